"""Value rules with no dependency: key patterns, dates, text folding."""
