"""Helpers of the collector (:mod:`analysis.collect`): source snapshots for its tests and benchmark."""
