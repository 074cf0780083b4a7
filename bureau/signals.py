"""API tokens end with the credentials they were issued for.

A password change (on the password page, in Django admin, by ``add_user``, ``changepassword``
or any ``set_password`` + ``save``), deactivating the user, and logging out of the browser
revoke the user's API tokens: the next ``POST /api/v1/auth/token/`` issues a new key. Done on
the model's save so that every path is covered, whoever wrote it."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from .models import User
from .services import tokens_revoke

WATCHED = {"password", "is_active"}


@receiver(pre_save, sender=User, dispatch_uid="bureau.user_credentials_changing")
def _note_credentials_change(sender, instance: User, raw=False, update_fields=None, **kwargs):
    instance._revoke_tokens = False
    if raw or instance.pk is None:
        return
    if update_fields is not None and not WATCHED & set(update_fields):
        return  # e.g. last_login on every login
    old = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if old is None:
        return
    # check_password() rehashes a correct password when the hasher's settings change: the
    # same password, so not a change (Django clears _password for exactly that save).
    rehash = instance._password is None and set(update_fields or ()) == {"password"}
    password_changed = old["password"] != instance.password and not rehash
    deactivated = old["is_active"] and not instance.is_active
    instance._revoke_tokens = password_changed or deactivated


@receiver(post_save, sender=User, dispatch_uid="bureau.user_credentials_changed")
def _revoke_after_credentials_change(sender, instance: User, raw=False, **kwargs):
    if getattr(instance, "_revoke_tokens", False):
        instance._revoke_tokens = False
        tokens_revoke(user=instance)


@receiver(user_logged_out, dispatch_uid="bureau.user_logged_out")
def _revoke_on_logout(sender, request, user, **kwargs):
    if user is not None and user.pk is not None:
        tokens_revoke(user=user)
