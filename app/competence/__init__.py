"""Competence resolution for the routing service: for an evidence type and an area (AGS, ARS
or postcode), which provider is competent on a given date, and how it is reached."""
