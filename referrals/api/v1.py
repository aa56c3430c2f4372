"""The /api/v1/ application: the referral and directory operations, and the HSDS paths under /hsds/."""

from referrals.api.endpoints import api
from referrals.api.hsds_endpoints import router as hsds_router

api.add_router("/hsds", hsds_router)

__all__ = ["api"]
