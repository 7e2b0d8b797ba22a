"""Reference areas: municipalities (AGS/ARS), the areas above them, postcodes, successions."""
