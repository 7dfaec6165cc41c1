"""LOTUS analytics: timeliness, inequalities and lessons-learnt measures for NHS professional standards teams."""

__version__ = "0.1.0"
