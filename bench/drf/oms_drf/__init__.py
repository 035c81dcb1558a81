"""oms_drf: the reference Django REST Framework server of the benchmarks (bench/drf/)."""
