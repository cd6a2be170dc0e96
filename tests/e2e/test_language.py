"""The UI language (issue: i18n of the pages): a person picks Deutsch or Русский in the
header, the choice goes to the server and this browser, and the page comes back in that
language, dates and numbers included. Driven in headless Chromium by language_scenario.cjs."""

from datetime import date

import pytest

from apps.customers.models import Customer
from tests.e2e.test_canvas import scenario_run


@pytest.mark.django_db(transaction=True)
def test_picking_a_language_shows_the_pages_in_it(browser_ready, live_server, make_user,
                                                  tmp_path):
    # Given a customer whose contract ends on a known day, with a churn score
    viewer = make_user("viewer")
    Customer.objects.create(external_id="c-1", first_name="Ada", churn_score=0.8,
                            attributes={"contract_end": date(2031, 3, 14).isoformat()})

    # When the viewer picks Deutsch, then Русский, then English again
    seen = scenario_run(browser_ready, live_server, tmp_path, script="language_scenario.cjs",
                        extra={"CUSTOMER": "c-1"}, viewer=viewer.username)

    # Then each language is offered in its own words, and each page came back in the choice
    assert seen["options"] == ["English", "Deutsch", "Русский"]
    english, german, russian = seen["english"], seen["german"], seen["russian"]
    assert "Customers" in english["nav"] and english["picker"] == "en"
    assert "Mar 14, 2031" in english["facts"] and "0.80" in english["facts"]
    assert "Kunden" in german["nav"] and (german["lang"], german["stored"]) == ("de", "de")
    assert "14. März 2031" in german["facts"] and "0,80" in german["facts"]
    assert "Клиенты" in russian["nav"] and (russian["lang"], russian["stored"]) == ("ru", "ru")
    assert "14 мар. 2031" in russian["facts"] and "0,80" in russian["facts"]
    # and every choice was sent to the server, which keeps the last one for the user
    assert seen["patches"] == [{"language": "de"}, {"language": "ru"}, {"language": "en"}]
    viewer.refresh_from_db()
    assert viewer.language == "en"
    assert seen["page_errors"] == []
