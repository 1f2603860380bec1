"""One hierarchy of errors, all in calendar_service/errors.py."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from werkzeug.exceptions import BadRequest

import calendar_service
from calendar_service import errors
from calendar_service.errors import CalendarServiceError, DataError, Location, ParameterError, YamlFileError
from calendar_service.registry.checks import check
from calendar_service.web.params import BadParameter


def error_classes():
    for info in pkgutil.walk_packages(calendar_service.__path__, "calendar_service."):
        if info.name.endswith(".__main__"):
            continue  # runs the CLI
        module = importlib.import_module(info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__ == info.name:
                yield value


def test_every_error_class_is_in_errors_py_under_calendar_service_error():
    """Error classes lived in the modules that raise them; the YAML one was a bare Exception."""
    found = set(error_classes())
    assert found >= {BadParameter, YamlFileError}
    assert all(issubclass(cls, CalendarServiceError) for cls in found)
    assert {cls for cls in found if cls.__module__ != errors.__name__} == {BadParameter}


def test_yaml_file_error_is_a_data_error_carrying_its_problem(tmp_path):
    path = tmp_path / "events.yaml"
    path.write_text("a: 1\na: 2\n", encoding="utf-8")
    report = check(path)
    error = YamlFileError(report.errors[0])
    assert isinstance(error, DataError) and error.problems == [error.problem]
    assert error.problem.location == Location(str(path), 2, 1)
    assert error.render("en") == f"{path}:2:1: duplicate key 'a' (first given on line 1)"


def test_bad_parameter_is_a_parameter_error_and_a_400():
    error = BadParameter("lang", "unknown language '{value}' (known: vi, en)", "en", value="fr")
    assert isinstance(error, ParameterError) and isinstance(error, BadRequest) and error.code == 400
    assert error.parameter == "lang"
    assert (
        error.description == error.render("en") == "Parameter 'lang': unknown language 'fr' (known: vi, en)"
    )
    assert error.render("vi").startswith("Tham số 'lang': ")
