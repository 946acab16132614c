"""The README lists every operation of the route table, so the documentation cannot fall behind the code."""
from pathlib import Path

from simulator.routes import ROUTES

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_readme_coverage_table_names_every_route():
    missing = [r.kwargs["name"] for r in ROUTES if f"`{r.kwargs['name']}`" not in README]
    assert not missing, f"routes missing from README's coverage table: {missing}"


def test_readme_opens_with_the_two_setup_commands():
    lines = README.splitlines()
    assert lines[0] == "```"
    assert "cdbsim serve" in lines[1]
    assert "python -m pytest" in lines[2]
