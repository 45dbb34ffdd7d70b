"""Demo data: the simulator's records fill an empty store once, labelled synthetic."""
import pytest

from store.db import get_engine
from store.records import count_intercepts, query_intercepts
from ui.demo_data import DEMO_BATCH_NAME, ensure_demo_records, store_is_empty


@pytest.fixture()
def engine(tmp_path):
    return get_engine(f"sqlite:///{tmp_path / 'demo.sqlite'}")


def test_empty_store_gets_the_simulated_records_once(engine):
    assert store_is_empty(engine)
    summary = ensure_demo_records(engine)
    assert summary is not None and summary.inserted > 100 and summary.file_name == DEMO_BATCH_NAME
    records = query_intercepts(engine=engine)
    assert len(records) == summary.inserted
    assert records["synthetic"].all()
    assert set(records["case_type"]) <= {"smuggling", "trafficking", "unknown"}
    assert ensure_demo_records(engine) is None  # not twice
    assert int(count_intercepts(engine=engine)["records"].sum()) == summary.inserted


def test_a_store_with_real_records_is_left_alone(engine):
    from store.records import import_records
    from ui.demo_data import simulated_records

    real = simulated_records(seed=5, n_months=2).records.iloc[:3].copy()
    real["synthetic"] = False
    import_records(real, "ledger.csv", "clerk", engine=engine)
    assert ensure_demo_records(engine) is None
    assert len(query_intercepts(engine=engine)) == 3
