"""What every view shares, one module a concern:

- :mod:`~school.web.commit`: the one commit path of a request (``save``) and its safety net;
- :mod:`~school.web.forms`: a service's problems beside the form's fields, a form page's status;
- :mod:`~school.web.fields`: form fields for numbers and versions;
- :mod:`~school.web.inputs`: ids, NUL characters and ``next`` URLs checked before a view runs;
- :mod:`~school.web.download`: documents sent to the browser;
- :mod:`~school.web.security`: security headers, the client's address, emailed-link URLs;
- :mod:`~school.web.templating`: Jinja filters and globals (dates, numbers, percentages);
- :mod:`~school.web.navigation`: each role's menu and the one item a page lights;
- :mod:`~school.web.errors`: the error pages.
"""
