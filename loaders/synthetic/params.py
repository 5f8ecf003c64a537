"""Calibration targets and national shapes the generator builds its population from.

Each constant cites where its value comes from, so a reader can check that the synthetic England
hits DOMAIN.md's figures *by construction of the population* (exact shares assigned with
:func:`loaders.synthetic.dates.exact_labels`), never by bending the analysis that measures them.
"""

from __future__ import annotations

import datetime as dt

DEFAULT_AS_OF = dt.date(2025, 9, 1)
DEFAULT_REGION = "North East"  # the smallest region by schools: the demo and tests stay fast
DEFAULT_LA = "Darlington"
URN_BASE = 9_000_000  # no real GIAS URN is this high (real ones are below 160,000)
URN_BLOCK = 10_000  # URN = URN_BASE + LA position * URN_BLOCK + n: the URN tells the LA
NEEDS_YEAR = 202425
NASENCO_CUTOFF = dt.date(2024, 9, 1)  # SI 2024/535: NPQ for SENCOs from this date
SENCO_RULE_START = dt.date(2009, 9, 1)  # SI 2014/1530 reg. 49: appointed before this are exempt

# England's establishment mix (GIAS, 2024/25, rounded; issue 3).
NATIONAL_SCHOOLS = {"primary": 16_800, "secondary": 3_450, "special": 1_000, "ap": 350, "independent": 2_400}

# --- SENCO calibration (UCL 2019 s6.1-6.3; DOMAIN.md "Figures") -------------------------------
SENCO_AWARD_HELD_OR_STUDYING = 0.53  # 365/685
SENCO_NEITHER_NOT_EXEMPT = 0.136  # 93/685: no award, not studying, not exempt
SENCO_OLD_WITH_AWARD = 0.086  # appointed before Sep 2009 yet holding the award anyway
SENCO_SLT = 0.445  # 305/685
SENCO_SLT_PRIMARY = 0.547  # 233/426
SENCO_SLT_SECONDARY = 0.191  # 34/178
SENCO_OTHER_ROLE = 0.75  # 515/685
SENCO_MAX_TENURE = 28.0  # range 0-28 years
SENCO_NO_QTS = 0.03  # a few SENCOs came up the TA route without QTS
SENCO_MOVED = 0.25  # earlier SENCO post at another school (exempt/award holders only)
SENCO_MEAN_TENURE = 11.52  # years in role, mean (UCL 2019 s6.1)
# Exempt through more than 12 months' earlier SENCO service (SI 2014/1530 reg. 49), not through a
# pre-2009 appointment: first appointed SENCO after 1 Sep 2009 at one school, moved to this one in the
# role. A modelling assumption (no published figure splits the exemptions): 5% of SENCOs, taken out of
# the exempt 33.4%, so about one exempt SENCO in seven and one post-2009 appointee in twelve.
SENCO_EXEMPT_BY_SERVICE = 0.05

# --- progression (UCL 2019 KF5, s2.6, s3.1; DOMAIN.md "Progression") ----------------------------
DIRECT_FROM_ITT = 71 / 685  # 10.4% of SENCOs went straight from ITT into a SEND specialism
# UCL 2019 s3.1 / s3.2: new teachers had "about 4-5 years of teaching experience before starting the
# NASENCO or another mandatory route". That counts from QTS, induction included, to the *course start*
# (issue 16; ``sendgraph course-timing`` measures it). The generator draws the years as a class
# teacher after the two ECT years and before the first specialist post as 1 + a gamma (shape 2,
# scale 0.55): median 1.9, middle half 1.5-2.5, rarely over 4. With induction that puts the post at a
# median of about 3.9 years after QTS, and the course (SENCO award or MQ) starts in the first year in
# post: QTS -> course start has a median of about 4.5 years. Not a published figure: the shape is a
# modelling assumption fitted to it.
TEACHING_YEARS_MIN = 1.0
TEACHING_YEARS_SHAPE = 2.0
TEACHING_YEARS_SCALE = 0.55

# Multi-step routes into class sensory posts (issue 16: a pathways table an analyst would recognise).
# Modelling assumptions, not published figures: UCL 2019 s3.2 says some sensory specialists "came
# from being a SENCO" and KF5 that there is no common pathway; no source gives shares. Of class
# QTxI teachers who did not enter straight from ITT, this share held a SENCO post (2-5 years) first,
# and this share had a career break (1.5-3 years, no post) part-way through their class teaching.
SENSORY_VIA_SENCO = 0.15
SENSORY_CAREER_BREAK = 0.10
# UCL 2019 s3.2's route is QTS -> teaching -> MQ -> sensory post, but the regulations allow the MQ
# within 3 years of appointment. Modelling assumption (no source gives the split): this share of
# sensory specialists not straight from ITT finished the MQ before their first sensory post (the
# pathways table shows the MQ "gained along the way"); the rest start it in their first year in post.
SENSORY_MQ_BEFORE_POST = 0.4

# --- specialists (UCL 2019 s5.2-5.3) -----------------------------------------------------------
SENSORY_NO_QUAL = 0.18  # 14/78 with no formal sensory qualification
PD_NO_QUAL = 0.24  # 17/70 with no relevant qualification
# Advisory teachers per pupil with an EHC plan for that primary need (LA sensory services).
ADVISORY_PUPILS_PER_FTE = {"VI": 10.0, "HI": 12.0, "MSI": 40.0}
SHORT_LA_SHARE = 0.2  # LAs whose service is well below the need (capacity gaps)

# --- networks (UCL 2019 s4.5; WSS evaluation Foreword and Conclusions) --------------------------
SCHOOLS_NOT_NETWORKING = 0.19  # 156/817
WSS_SCHOOLS_SIGNED_UP = 4_100  # >4,000 schools signed up by 2018
WSS_SCHOOLS_DOWNLOADED_OR_TRAINED = 5_000  # ~5,000 schools, about one fifth of England's
WSS_MEMBERS = 5_600  # >5,500 members of the community of practice
TEACHING_SCHOOL_HUBS = 87
WSS_LAUNCH = __import__("datetime").date(2016, 7, 19)  # SEND Review Guide launch (WSS evaluation 1.1)
