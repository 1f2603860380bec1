"""The web service: an application factory, as in Flask's tutorial (flaskr).

Blueprints: ``feeds`` (published .ics files and filtered feeds), ``pages``
(planning view with month grid and year overview, CSV export, entry pages,
subscribe page: one module each, their URLs in ``pages.py``), ``api`` (JSON
and /healthz). Languages through Flask-Babel: ``?lang=``, then
the ``lang`` cookie, then Accept-Language; Vietnamese by default.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from flask import Flask, g, render_template, request
from flask_babel import Babel, Domain
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from ..config import Settings, load_settings
from ..feeds.stamps import with_uid_domain
from ..i18n import DEFAULT_LANGUAGE, LANGUAGES, Language, translations
from .redirects import routing_redirect
from .state import ServiceState


class CatalogDomain(Domain):
    """Flask-Babel's domain, reading the package's catalogs (compiled by Babel
    when first used) instead of a translations folder."""

    def get_translations(self):
        return translations(current_language())


def current_language() -> Language:
    return getattr(g, "lang", None) or _select_language()


def _select_language() -> Language:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return Language(asked)
    cookie = request.cookies.get("lang")
    if cookie in LANGUAGES:
        return Language(cookie)
    return Language(request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE))


def create_app(config: Settings | Mapping[str, object] | None = None) -> Flask:
    """``config``: a Settings, or overrides of the settings from the environment."""
    settings = config if isinstance(config, Settings) else load_settings(overrides=dict(config or {}))
    settings = with_uid_domain(settings)  # the published feeds' UIDs, for filtered feeds
    app = Flask(__name__)
    app.config["SETTINGS"] = settings
    app.config["JSON_AS_ASCII"] = False
    app.json.ensure_ascii = False
    app.extensions["calendar_state"] = ServiceState(settings)
    # One extension per app: the domain below is set on the Babel object, so a
    # shared one would be reconfigured by every create_app.
    babel = Babel()
    babel.init_app(app, default_locale=DEFAULT_LANGUAGE, locale_selector=current_language)
    babel.domain_instance = CatalogDomain()  # overrides Flask-Babel's cached folder-based domain

    from . import account, admin, api, auth, feeds, pages, private, signin, unsubscribe

    auth.init_app(app)
    private.init_app(app)
    if settings.proxy_hops:
        # The client's address (sign-in throttling) from the trusted proxies' X-Forwarded-For.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops)  # type: ignore[method-assign]

    app.register_blueprint(feeds.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(unsubscribe.bp)
    app.register_blueprint(signin.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(admin.bp)

    app.before_request(routing_redirect)

    @app.before_request
    def _language() -> None:
        from .params import BadParameter, language

        try:
            g.lang = language(request.args)
        except BadParameter:
            g.lang = _select_language()
            raise

    @app.after_request
    def _remember_language(response):
        if request.args.get("lang") in LANGUAGES:
            response.set_cookie("lang", request.args["lang"], max_age=365 * 24 * 3600, samesite="Lax")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    @app.errorhandler(HTTPException)
    def _error(error: HTTPException):
        if request.path.startswith("/api/") or request.path == "/healthz":
            return {"error": error.description, "status": error.code}, error.code
        return render_template("error.html", error=error), error.code

    @app.template_filter("merge_args")
    def _merge_args(args, **changes) -> str:
        merged = [(k, v) for k, v in args.items(multi=True) if k not in changes]
        return urlencode(merged + [(k, v) for k, v in changes.items() if v is not None])

    @app.context_processor
    def _globals():
        return {
            "lang": current_language(),
            "languages": LANGUAGES,
            "settings": settings,
            "current_user": auth.current_user,
        }

    return app
