"""Demo data for the whole product (`manage.py load_demo`)."""
