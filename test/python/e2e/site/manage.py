#!/usr/bin/env python3
"""manage.py of the end-to-end tests' Django site (settings: e2esite.settings)."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "e2esite.settings")
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)
