"""Django admin for agencies, programs, users and memberships; every change is audited."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from deflection import accounts
from deflection.audit import audit_log
from deflection.models import Agency, AuditEvent, Membership, OutboxMessage, Program, Unit, User


class AuditedAdmin(admin.ModelAdmin):
    """Writes an audit record for every admin view, save and delete (SECURITY.md 9: admin actions)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_log(
            action="admin.change" if change else "admin.add",
            request=request,
            obj=obj,
            detail={"fields": list(form.changed_data)},
        )

    def delete_model(self, request, obj):
        audit_log(action="admin.delete", request=request, obj=obj)
        super().delete_model(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            audit_log(action="admin.view", request=request, object_type=self.model._meta.label_lower, object_id=object_id)
        return super().change_view(request, object_id, form_url, extra_context)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["agency", "unit"]


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active"]

    def save_formset(self, request, form, formset, change):
        # Role changes are audited one by one (SECURITY.md 9).
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            audit_log(action="role.remove", request=request, obj=obj, detail={"role": obj.role})
            obj.delete()
        for membership_form in formset.forms:
            if membership_form.instance in instances and membership_form.has_changed():
                membership = membership_form.instance
                membership.save()
                audit_log(
                    action="role.change",
                    request=request,
                    obj=membership,
                    detail={"role": membership.role, "agency": membership.agency_id, "fields": membership_form.changed_data},
                )
        formset.save_m2m()
        if formset.model is Membership and (formset.deleted_objects or any(f.has_changed() for f in formset.forms)):
            accounts.roles_changed(user=form.instance, changed_by=request.user, changer_session_key=request.session.session_key)


@admin.register(Agency)
class AgencyAdmin(AuditedAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ["name", "agency"]
    search_fields = ["name", "agency__name"]


@admin.register(Program)
class ProgramAdmin(AuditedAdmin):
    list_display = ["name", "lead_agency", "time_zone"]
    filter_horizontal = ["partners"]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "agency", "role", "unit", "badge_number", "is_active"]
    list_filter = ["role", "agency"]
    autocomplete_fields = ["user", "agency", "unit"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "role" in form.changed_data or not change:
            audit_log(action="role.change", request=request, obj=obj, detail={"role": obj.role, "agency": obj.agency_id})
        if form.changed_data or not change:
            accounts.roles_changed(user=obj.user, changed_by=request.user, changer_session_key=request.session.session_key)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        accounts.roles_changed(user=obj.user, changed_by=request.user, changer_session_key=request.session.session_key)

    def delete_queryset(self, request, queryset):
        users = {m.user for m in queryset.select_related("user")}
        for membership in queryset:
            audit_log(action="role.remove", request=request, obj=membership, detail={"role": membership.role})
        super().delete_queryset(request, queryset)
        for user in users:
            accounts.roles_changed(user=user, changed_by=request.user, changer_session_key=request.session.session_key)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the database refuses changes anyway."""

    list_display = ["at", "actor_username", "action", "object_type", "object_id", "outcome", "ip_address"]
    list_filter = ["action", "outcome"]
    search_fields = ["actor_username", "object_type", "object_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["task_name", "status", "attempts", "created_at", "sent_at"]
    readonly_fields = ["task_name", "kwargs", "status", "attempts", "last_error", "created_at", "sent_at"]
