"""Steps for the doctor's warnings about a server that may lose data."""

from __future__ import annotations

from pytest_bdd import given, then, when

from harness.servers.faults_plugin import FaultPlace
from steps.parameter_types import phrase
from support.common.expect import expect, expect_that, shown
from support.faults import calls as fault_calls
from support.faults.calls import DoctorRun

_step = phrase


@given(_step("a server that may fail"))
def _(fault_place: FaultPlace) -> None:
    """A throwaway server of the faults feature's own (never a shared one)."""
    fault_calls.server_of(fault_place)


@when(_step("the operator asks the doctor about the server"), target_fixture="doctor")
def _(fault_place: FaultPlace) -> DoctorRun:
    """``agentstore doctor --<backend> URL``, as an operator runs it."""
    return fault_calls.run_doctor(fault_place.backend, fault_place.url)


@then(_step("the doctor warns that the server keeps nothing when it restarts"))
def _(doctor: DoctorRun, fault_place: FaultPlace) -> None:
    """One warning line, naming the server and saying a restart keeps nothing."""
    expect(len(doctor.warnings), 1, "warnings:")
    warning = doctor.warnings[0]
    says = "keeps nothing when it restarts" in warning and fault_place.url in warning
    expect_that(says, "a warning naming the server and that it keeps nothing", shown(warning))


@then(_step("the doctor gives no warning"))
def _(doctor: DoctorRun) -> None:
    """Not one warning line."""
    expect(doctor.warnings, [], "the doctor's warnings to be")


@then(_step("the doctor's check passes"))
def _(doctor: DoctorRun) -> None:
    """Exit code 0 and an ``ok`` line for the server."""
    expect(doctor.exit_code, 0, "the doctor's exit code to be")
    expect(doctor.ok_lines, 1, "the doctor's ok lines:")
