"""Application resources (icons, UI translations), shipped as package data in wheels."""
