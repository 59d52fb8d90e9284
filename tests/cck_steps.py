"""Step definitions for the Cucumber compatibility kit's cases (tests/data/cck/), in pytest-bdd.

One module text per case, written in the order of the kit's own step definitions, so the
``stepDefinition`` messages line up with the kit's. They do what the kit's TypeScript
definitions do: pass, fail with "whoops", skip, or signal "pending" (``NotImplementedError``).
"""

from __future__ import annotations

HEADER = """\
import pytest
from pytest_bdd import given, parsers, step, then, when
"""

STEPS = {
    "minimal": """
@given(parsers.parse("I have {count:d} cukes in my belly"))
def _(count: int) -> None:
    assert count == 42
""",
    "data-tables": """
@when("the following table is transposed:", target_fixture="transposed")
def _(datatable: list[list[str]]) -> list[list[str]]:
    return [list(row) for row in zip(*datatable)]


@then("it should be:")
def _(transposed: list[list[str]], datatable: list[list[str]]) -> None:
    assert transposed == datatable
""",
    "doc-strings": """
@given("a doc string:")
def _(docstring: str) -> None:
    assert docstring
""",
    "rules": """
@given(parsers.parse("the customer has {cents:d} cents"), target_fixture="shop")
def _(cents: int) -> dict:
    return {"cents": cents}


@given("there are chocolate bars in stock")
def _(shop: dict) -> None:
    shop["stock"] = ["Mars"]


@given("there are no chocolate bars in stock")
def _(shop: dict) -> None:
    shop["stock"] = []


@when(parsers.parse("the customer tries to buy a {price:d} cent chocolate bar"))
def _(shop: dict, price: int) -> None:
    shop["sold"] = shop["cents"] >= price and bool(shop["stock"])


@then("the sale should not happen")
def _(shop: dict) -> None:
    assert not shop["sold"]


@then("the sale should happen")
def _(shop: dict) -> None:
    assert shop["sold"]
""",
    "examples-tables": """
@pytest.fixture
def basket() -> dict:
    return {"cucumbers": 0, "friends": 0}


@given(parsers.parse("there are {count:d} cucumbers"))
def _(basket: dict, count: int) -> None:
    basket["cucumbers"] = count


@given(parsers.parse("there are {count:d} friends"))
def _(basket: dict, count: int) -> None:
    basket["friends"] = count


@when(parsers.parse("I eat {count:d} cucumbers"))
def _(basket: dict, count: int) -> None:
    basket["cucumbers"] -= count


@then(parsers.parse("I should have {count:d} cucumbers"))
def _(basket: dict, count: int) -> None:
    assert basket["cucumbers"] == count


@then(parsers.parse("each person can eat {count:d} cucumbers"))
def _(basket: dict, count: int) -> None:
    assert basket["cucumbers"] // (basket["friends"] + 1) == count
""",
    "all-statuses": """
@step(parsers.re("a step"))
def _() -> None:
    pass


@step(parsers.re("a failing step"))
def _() -> None:
    raise Exception("whoops")


@step(parsers.re("a pending step"))
def _() -> None:
    raise NotImplementedError


@step(parsers.re("a skipped step"))
def _() -> None:
    pytest.skip("skipped")


@step(parsers.re("an ambiguous (.*?)"))
def _() -> None:
    pass


@step(parsers.re("(.*?) ambiguous step"))
def _() -> None:
    pass
""",
    "skipped": """
@given("a step that does not skip")
def _() -> None:
    pass


@given("a step that is skipped")
def _() -> None:
    pass


@given("I skip a step")
def _() -> None:
    pytest.skip("skipped")
""",
    "undefined": """
@given("an implemented step")
def _() -> None:
    pass


@given("a step that will be skipped")
def _() -> None:
    pass
""",
    "backgrounds": """
@given(parsers.parse('an order for "{item}"'))
def _(item: str) -> None:
    pass


@when("an action")
def _() -> None:
    pass


@then("an outcome")
def _() -> None:
    pass
""",
    "pending": """
@given("an implemented non-pending step")
def _() -> None:
    pass


@given("an implemented step that is skipped")
def _() -> None:
    pass


@given("an unimplemented pending step")
def _() -> None:
    raise NotImplementedError
""",
}
STEPS["rules-backgrounds"] = STEPS["backgrounds"]
