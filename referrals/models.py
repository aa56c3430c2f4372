"""Referrals, participants, providers and consent. Filled in by the referral-loop issue."""
