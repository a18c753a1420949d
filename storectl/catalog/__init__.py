"""`storectl catalog`: the sellability audit's report and its views."""
