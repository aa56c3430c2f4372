"""API clients: an agency's dispatch or records system, with a hashed token, scopes and an expiry."""

from __future__ import annotations

import datetime
import hashlib

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from deflection.models import Agency, Program


class Scope(models.TextChoices):
    REFERRALS_CREATE = "referrals:create", "Create referrals from CAD incidents"
    REFERRALS_STATUS = "referrals:status", "Read a referral's status for its referring officer (consent-gated)"
    DIRECTORY_READ = "directory:read", "Read the provider directory with capacity"
    OVERDOSES_CREATE = "overdoses:create", "Record overdose events"


def token_digest(token: str) -> str:
    """SHA-256 of the whole token: the token has 256 bits of entropy, so a slow hash adds nothing."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiClient(models.Model):
    """One system of one agency that calls the API. The token itself is never stored."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="api_clients")
    name = models.CharField(max_length=100, help_text="Which system this is, e.g. 'Riverside CAD'.")
    # The token's public first part, to find the row without scanning digests.
    prefix = models.CharField(max_length=16, unique=True)
    token_sha256 = models.CharField(max_length=64)
    scopes = ArrayField(models.CharField(max_length=30, choices=Scope.choices), default=list)
    rate_limit_per_minute = models.PositiveIntegerField(default=120)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="api_client_unique_name_per_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.agency.name})"

    def is_usable(self, now: datetime.datetime | None = None) -> bool:
        return self.revoked_at is None and (now or timezone.now()) < self.expires_at

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class HsdsKind(models.TextChoices):
    ORGANIZATION = "organization", "Organization"
    SERVICE = "service", "Service"


class HsdsLink(models.Model):
    """Which of our rows an imported HSDS id became, so a re-import updates the same row (upsert by HSDS id)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    hsds_id = models.UUIDField()
    kind = models.CharField(max_length=20, choices=HsdsKind.choices)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    service = models.ForeignKey("referrals.ProviderService", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["program", "hsds_id"], name="hsds_link_unique_id_per_program"),
            models.CheckConstraint(
                condition=models.Q(kind="organization", agency__isnull=False, service__isnull=True)
                | models.Q(kind="service", service__isnull=False, agency__isnull=True),
                name="hsds_link_points_at_its_kind",
            ),
        ]


class DirectoryPublication(models.Model):
    """A program's setting: whether its HSDS read paths are open to anyone or need a directory:read token."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="+")
    hsds_public = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
