"""Extractors that read facts out of a clause's text: targets, deadlines, bodies, regions,
responsibility tags.

They are pure functions over strings (plus gazetteer data from ``corpus/gazetteer``), so
they work on any plan of the genre and can be tested on sentences alone; ``kb.graph``
runs them over a corpus and links what they find.
"""
from kb.extract.text import normalize, sentences
from kb.extract.deadlines import Deadline, find_deadlines
from kb.extract.targets import Target, extract_targets
from kb.extract.gazetteer import Gazetteer, load_gazetteer, province_of
from kb.extract.bodies import BodyMention, find_bodies
from kb.extract.regions import RegionMention, find_regions
from kb.extract.responsibility import Responsibility, find_responsibility

__all__ = [
    "normalize", "sentences", "Deadline", "find_deadlines", "Target",
    "extract_targets", "Gazetteer", "load_gazetteer", "province_of", "BodyMention",
    "find_bodies", "RegionMention", "find_regions", "Responsibility", "find_responsibility",
]
