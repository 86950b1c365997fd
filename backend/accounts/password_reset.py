"""Password reset by e-mail for staff: Django's token generator, our own words.

The answer to a request is the same whether or not an account has the address, and the mail
goes out from a job, so neither the reply nor its timing tells who has an account. The link
carries uid and token in the fragment of the staff console's address (`/staff/#reset=…`),
which browsers never send to a server, so it does not land in access logs. A token is valid
for PASSWORD_RESET_TIMEOUT and dies once the password (or the last sign-in) changes.
"""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from backend.core.errors import DomainError, ErrorCode
from backend.core.links import password_reset_link

LANGUAGES = ("de", "en", "tr", "ar", "uk")
WORDS = {
    "de": (
        "Passwort zurücksetzen",
        "Jemand hat für Ihr Konto {username} ein neues Passwort angefordert. Über diesen Link "
        "legen Sie es fest (gültig für {hours} Stunden):\n\n{link}\n\n"
        "Wenn Sie das nicht waren, können Sie diese E-Mail ignorieren.",
    ),
    "en": (
        "Reset your password",
        "Someone asked for a new password for your account {username}. Set it with this link "
        "(valid for {hours} hours):\n\n{link}\n\nIf this was not you, ignore this e-mail.",
    ),
    "tr": (
        "Şifrenizi sıfırlayın",
        "{username} hesabınız için yeni bir şifre istendi. Bu bağlantıyla belirleyin "
        "({hours} saat geçerli):\n\n{link}\n\nBu isteği siz yapmadıysanız bu e-postayı "
        "dikkate almayın.",
    ),
    "ar": (
        "إعادة تعيين كلمة المرور",
        "طلب أحدهم كلمة مرور جديدة لحسابك {username}. عيّنها عبر هذا الرابط "
        "(صالح لمدة {hours} ساعة):\n\n{link}\n\nإذا لم تكن أنت من طلب ذلك، فتجاهل هذه الرسالة.",
    ),
    "uk": (
        "Скидання пароля",
        "Хтось запросив новий пароль для вашого облікового запису {username}. Встановіть його "
        "за цим посиланням (дійсне {hours} год):\n\n{link}\n\nЯкщо це були не ви, "
        "проігноруйте цей лист.",
    ),
}


def reset_link(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return password_reset_link(uid, token)


def do_request_password_reset(email: str, language: str) -> None:
    """Queue a reset mail for each active account with this address (none: nothing)."""
    from .tasks import send_password_reset

    language = language if language in LANGUAGES else settings.LANGUAGE_CODE
    users = get_user_model().objects.filter(email__iexact=(email or "").strip(), is_active=True)
    for user_id in users.values_list("pk", flat=True):
        transaction.on_commit(partial(send_password_reset, user_id, language))


def send_reset_mail(user_id, language: str) -> bool:
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password() or not user.email:
        return False
    subject, body = WORDS.get(language, WORDS["de"])
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    text = body.format(username=user.get_username(), hours=hours, link=reset_link(user))
    send_mail(subject, text, None, [user.email])
    return True


def do_reset_password(key: str, new_password: str):
    """Set a new password from the link's `uid.token`; the link is used up by it."""
    uid, _, token = (key or "").partition(".")
    try:
        user_id = force_str(urlsafe_base64_decode(uid))
    except (ValueError, TypeError):
        user_id = None
    user = (
        get_user_model().objects.filter(pk=user_id, is_active=True).first()
        if user_id and user_id.isdigit()
        else None
    )
    if user is None or not default_token_generator.check_token(user, token):
        raise DomainError(ErrorCode.RESET_LINK_INVALID, "This link is not valid (any more).", "key")
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise DomainError(
            ErrorCode.PASSWORD_REJECTED, " ".join(exc.messages), "newPassword"
        ) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    return user
