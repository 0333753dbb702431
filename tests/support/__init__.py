"""Test and benchmark scaffolding kept out of the voxpop package: a throwaway PostgreSQL cluster (pgtemp) and
simulated place participation (places_simulate). Import as tests.support.X (the repository root on sys.path:
`python -m pytest` does that, bench scripts insert it)."""
