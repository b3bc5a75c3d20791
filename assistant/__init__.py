"""Goed Gesprek: the werkvorm "Een goed gesprek over samenwerking" as a Teams meeting app."""
