"""Seeded synthetic case extracts with injected effects and their ground truth, and dirty extracts with planted faults.

    from lotus_analytics.synthetic import generate, write_extract, write_faulty_extract, Effects
    extract = generate(seed=2026, regions=("North West",), scale=1.0)
    write_extract(extract, Path("data/demo_extract"), fmt="csv")
"""

from lotus_analytics.synthetic.effects import Effects
from lotus_analytics.synthetic.faults import PlantedFault, write_faulty_extract
from lotus_analytics.synthetic.generator import SyntheticExtract, generate
from lotus_analytics.synthetic.writer import write_extract

__all__ = ["Effects", "PlantedFault", "SyntheticExtract", "generate", "write_extract", "write_faulty_extract"]
