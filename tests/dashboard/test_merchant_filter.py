"""The dashboard's merchant filter at scale: a text the reader types (a name, a part of it, or the
merchant code) resolves to one merchant the reader may see, with suggestions limited to the chosen
region and partner; the address keeps the merchant's id so a view stays bookmarkable."""

import pytest
from django.urls import reverse
from django.utils import translation

from dashboard import filters
from dashboard.filters import InvalidView
from tests import factories
from tests.dashboard.conftest import view_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def teahouses(shop):
    """Two tea houses of one partner (one in Hangzhou) and a noodle shop; `shop` is 商户 n."""
    hangzhou = factories.RegionFactory(code="hangzhou", name="杭州", name_en="Hangzhou")
    west = factories.MerchantFactory(name="西湖茶馆", code="west-lake", partner=shop.partner, region=hangzhou)
    bund = factories.MerchantFactory(name="外滩茶馆", code="bund-tea", partner=shop.partner)
    noodles = factories.MerchantFactory(name="外滩面馆", code="bund-noodles")
    return {"west": west, "bund": bund, "noodles": noodles, "hangzhou": hangzhou}


class TestTypingAMerchant:
    @pytest.mark.parametrize("text", ["西湖茶馆", "WEST-LAKE", "西湖", "  西湖茶馆 "])
    def test_a_name_a_code_or_a_part_that_fits_one_merchant_chooses_it(self, manager, teahouses, text):
        view = view_of(manager, f"merchant_name={text}")

        assert view.merchant == teahouses["west"]
        assert view.params()["merchant"] == str(teahouses["west"].pk)
        assert "merchant_name" not in view.params()

    def test_an_exact_name_wins_over_names_that_contain_it(self, manager, teahouses):
        longer = factories.MerchantFactory(name="西湖茶馆二店", partner=teahouses["west"].partner)

        assert view_of(manager, "merchant_name=西湖茶馆").merchant == teahouses["west"]
        assert view_of(manager, "merchant_name=二店").merchant == longer

    def test_a_text_that_fits_several_asks_for_more(self, manager, teahouses):
        with pytest.raises(InvalidView) as error:
            view_of(manager, "merchant_name=外滩")

        assert error.value.messages == ["Several merchants match “外滩”; type more of the name, or the merchant code."]

    def test_a_text_that_fits_none_says_so_in_the_readers_language(self, manager, teahouses):
        with translation.override("zh-hans"), pytest.raises(InvalidView) as error:
            view_of(manager, "merchant_name=火锅")

        assert error.value.messages == ["没有与“火锅”相符的商户。"]

    def test_a_partner_cannot_reach_another_partners_merchant_by_name(self, partner, teahouses):
        with pytest.raises(InvalidView) as error:
            view_of(partner, "merchant_name=外滩面馆")
        assert error.value.messages == ["No merchant matches “外滩面馆”."]
        # Part of a name shared with another partner's merchant fits only the partner's own.
        assert view_of(partner, "merchant_name=外滩").merchant == teahouses["bund"]

    def test_the_form_sending_back_its_merchant_keeps_it_even_when_names_repeat(self, manager, teahouses):
        twin = factories.MerchantFactory(name="西湖茶馆", code="west-lake-2")

        assert view_of(manager, f"merchant={twin.pk}&merchant_name=西湖茶馆").merchant == twin
        assert view_of(manager, f"merchant={twin.pk}&merchant_name=west-lake").merchant == teahouses["west"]

    def test_an_emptied_text_means_any_merchant_and_a_link_keeps_its_merchant(self, manager, teahouses):
        west = teahouses["west"]

        assert view_of(manager, f"merchant={west.pk}&merchant_name=").merchant is None
        assert view_of(manager, f"merchant={west.pk}").merchant == west


class TestThePage:
    def test_it_filters_by_the_typed_merchant_and_its_links_carry_the_id(self, client, manager, teahouses):
        client.force_login(manager)

        response = client.get(reverse("dashboard:dashboard") + "?merchant_name=west-lake")

        assert response.status_code == 200
        assert response.context["view"].merchant == teahouses["west"]
        page = response.content.decode()
        assert f'name="merchant" value="{teahouses["west"].pk}"' in page
        assert 'value="西湖茶馆"' in page
        assert f"merchant={teahouses['west'].pk}" in page  # drill-down and export links

    def test_a_merchant_that_fits_none_is_a_400_that_says_why(self, client, manager, teahouses):
        client.force_login(manager)

        response = client.get(reverse("dashboard:dashboard") + "?merchant_name=火锅")

        assert response.status_code == 400
        assert "No merchant matches “火锅”." in response.content.decode()
        assert 'aria-invalid="true"' in response.content.decode()

    def test_suggestions_are_the_merchants_of_the_chosen_region_and_partner(self, client, manager, teahouses, shop):
        client.force_login(manager)

        everyone = client.get(reverse("dashboard:dashboard")).context["merchants"]
        in_hangzhou = client.get(reverse("dashboard:dashboard") + "?region=hangzhou").context["merchants"]
        of_partner = client.get(reverse("dashboard:dashboard") + f"?partner={shop.partner_id}").context["merchants"]

        assert {m.code for m in everyone} == {shop.code, "west-lake", "bund-tea", "bund-noodles"}
        assert [m.code for m in in_hangzhou] == ["west-lake"]
        assert {m.code for m in of_partner} == {shop.code, "west-lake", "bund-tea"}

    def test_suggestions_are_limited_however_many_merchants_there_are(self, client, manager, teahouses, monkeypatch):
        monkeypatch.setattr(filters, "MERCHANT_SUGGESTIONS", 2)
        client.force_login(manager)

        page = client.get(reverse("dashboard:dashboard")).content.decode()

        suggestions = page[page.index('<datalist id="merchant-suggestions">') :]
        suggestions = suggestions[: suggestions.index("</datalist>")]
        assert suggestions.count("<option ") == 2
