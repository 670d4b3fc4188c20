"""Programs and their curricula (admin): list, create, edit, add and order courses."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for

from school.auth.access import get_authorized, roles_required
from school.auth.forms import ConfirmForm
from school.auth.models import Role
from school.cohorts import queries
from school.cohorts.forms import CourseForm, ProgramForm
from school.cohorts.models import Course, Program
from school.cohorts.policies import can_manage_course, can_manage_program
from school.cohorts.services import programs as program_services
from school.cohorts.views import bp
from school.cohorts.views.form_saving import save_form
from school.web.commit import save
from school.web.inputs import list_request


def _program_data(form: ProgramForm) -> program_services.ProgramData:
    return program_services.ProgramData(
        code=form.code.data or "",
        name=form.name.data or "",
        target_credential=form.target_credential.data or "",
        clock_hours=form.clock_hours.data,
        externship_hours=form.externship_hours.data,
        daily_hour_cap=form.daily_hour_cap.data,
        pass_mark=form.pass_mark.data,
        scale_a=form.scale_a.data,
        scale_b=form.scale_b.data,
        scale_c=form.scale_c.data,
        scale_d=form.scale_d.data,
    )


def _course_data(form: CourseForm) -> program_services.CourseData:
    return program_services.CourseData(
        code=form.code.data or "",
        title=form.title.data or "",
        credit_hours=form.credit_hours.data,
        clock_hours=form.clock_hours.data,
    )


@bp.route("/admin/programs")
@roles_required(Role.ADMIN)
def programs():
    page = queries.list_programs(list_request())
    return render_template("cohorts/programs.html", page=page)


@bp.route("/admin/programs/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_program():
    form = ProgramForm()
    saved = save_form(
        form,
        lambda: _program_data(form),
        lambda data: program_services.program_problems(data, current=None),
        lambda data: program_services.create_program(data=data),
    )
    if saved is not None and saved.ok and (program := saved.result) is not None:
        flash(f"Program {program.code} created. Now add its courses.", "success")
        return redirect(url_for("cohorts.program_detail", program_id=program.id))
    return render_template("cohorts/program_form.html", form=form, program=None)


@bp.route("/admin/programs/<int:program_id>")
@roles_required(Role.ADMIN)
def program_detail(program_id: int):
    program = get_authorized(Program, program_id, can_manage_program)
    return render_template("cohorts/program_detail.html", program=program, form=ConfirmForm())


@bp.route("/admin/programs/<int:program_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_program(program_id: int):
    program = get_authorized(Program, program_id, can_manage_program)
    form = ProgramForm(obj=program)
    saved = save_form(
        form,
        lambda: _program_data(form),
        lambda data: program_services.program_problems(data, current=program),
        lambda data: program_services.update_program(program=program, data=data),
        done="Program saved.",
    )
    if saved is not None and saved.ok:
        return redirect(url_for("cohorts.program_detail", program_id=program_id))
    return render_template("cohorts/program_form.html", form=form, program=program)


@bp.route("/admin/programs/<int:program_id>/courses/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_course(program_id: int):
    program = get_authorized(Program, program_id, can_manage_program)
    form = CourseForm()
    saved = save_form(
        form,
        lambda: _course_data(form),
        lambda data: program_services.course_problems(program, data, current=None),
        lambda data: program_services.add_course(program=program, data=data),
    )
    if saved is not None and saved.ok and (course := saved.result) is not None:
        flash(f"Course {course.code} added.", "success")
        return redirect(url_for("cohorts.program_detail", program_id=program_id))
    return render_template("cohorts/course_form.html", form=form, program=program, course=None)


@bp.route("/admin/courses/<int:course_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_course(course_id: int):
    course = get_authorized(Course, course_id, can_manage_course)
    form = CourseForm(obj=course)
    saved = save_form(
        form,
        lambda: _course_data(form),
        lambda data: program_services.course_problems(course.program, data, current=course),
        lambda data: program_services.update_course(course=course, data=data),
        done="Course saved.",
    )
    if saved is not None and saved.ok:
        return redirect(url_for("cohorts.program_detail", program_id=course.program_id))
    return render_template(
        "cohorts/course_form.html", form=form, program=course.program, course=course
    )


@bp.route("/admin/courses/<int:course_id>/move/<direction>", methods=["POST"])
@roles_required(Role.ADMIN)
def move_course(course_id: int, direction: str):
    course = get_authorized(Course, course_id, can_manage_course)
    program_id = course.program_id
    if not ConfirmForm().validate_on_submit():
        abort(400)
    save(
        lambda: program_services.move_course(course=course, direction=direction),
        flash_problems=True,
    )
    return redirect(url_for("cohorts.program_detail", program_id=program_id) + "#curriculum")
