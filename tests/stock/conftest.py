import pytest

from tests.factories import RegionFactory, WarehouseFactory


@pytest.fixture
def shanghai():
    """The Shanghai warehouse, which the default technician draws from."""
    return WarehouseFactory()


@pytest.fixture
def beijing():
    """A warehouse in a region the default technician does not serve."""
    return WarehouseFactory(
        code="beijing-main", name="北京仓", region=RegionFactory(code="beijing", name="北京", name_en="Beijing")
    )


@pytest.fixture
def hangzhou():
    return WarehouseFactory(
        code="hangzhou-main", name="杭州仓", region=RegionFactory(code="hangzhou", name="杭州", name_en="Hangzhou")
    )
