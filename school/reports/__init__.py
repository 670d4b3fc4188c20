"""Documents produced from the records: transcripts, placement and outcome reports."""

from reportlab import rl_config

# ReportLab checks every attribute set on a chart's shapes against its type, a development
# aid its configuration turns off for production: a tenth of a placement report's function
# calls (235,787 → 210,173 per render), the same bytes. It is read when
# reportlab.graphics.shapes is first imported, so it is set here, before any module of this
# package imports that.
rl_config.shapeChecking = 0
