"""The public API (/api/v1/) for dispatch (CAD) and records systems, built on the referral services."""
