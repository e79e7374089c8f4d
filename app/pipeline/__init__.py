"""The translation pipeline: the job runner, its stages, alignment, fidelity, engine choice."""
