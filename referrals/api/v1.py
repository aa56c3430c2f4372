"""The /api/v1/ application: the referral and directory operations, overdoses, and the HSDS paths under /hsds/."""

from referrals.api.endpoints import api
from referrals.api.hsds_endpoints import router as hsds_router
from referrals.api.overdoses import router as overdose_router

api.add_router("/hsds", hsds_router)
api.add_router("/overdoses", overdose_router)

__all__ = ["api"]
