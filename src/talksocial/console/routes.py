"""The console's routes (`/console/...`) and the public avatar endpoint."""

from __future__ import annotations

from starlette.routing import Route

from talksocial.console import avatars, ops, restapi, talk, views


def routes() -> list[Route]:
    return [
        Route("/_talksocial/avatars/{seed}.svg", avatars.avatar, methods=["GET"]),
        Route("/console/static/{name}", views.static, methods=["GET"]),
        Route("/console/login", views.login, methods=["GET", "POST"]),
        Route("/console/logout", views.logout, methods=["POST"]),
        Route("/console", views.overview, methods=["GET"]),
        Route("/console/", views.overview, methods=["GET"]),
        Route("/console/apps", views.apps, methods=["GET"]),
        Route("/console/apps/{app_id}", views.app_page, methods=["GET"]),
        Route("/console/apps/{app_id}/message-limits", views.save_message_limits,
              methods=["POST"]),
        Route("/console/apps/{app_id}/user-apis", views.save_user_apis, methods=["POST"]),
        Route("/console/apps/{app_id}/webhooks/{delivery_id}/resend", views.resend_delivery,
              methods=["POST"]),
        Route("/console/apps/{app_id}/message-templates", views.create_message_template,
              methods=["POST"]),
        Route("/console/apps/{app_id}/message-templates/{template_id}",
              views.replace_message_template, methods=["POST"]),
        Route("/console/apps/{app_id}/message-templates/{template_id}/delete",
              views.delete_message_template, methods=["POST"]),
        Route("/console/accounts", views.accounts, methods=["GET"]),
        Route("/console/accounts", views.create_account, methods=["POST"]),
        Route("/console/accounts/{key}", views.account_page, methods=["GET"]),
        Route("/console/accounts/{key}/talk", talk.talk_page, methods=["GET"]),
        Route("/console/accounts/{key}/profile", views.save_profile, methods=["POST"]),
        Route("/console/accounts/{key}/delete", views.delete_account, methods=["POST"]),
        Route("/console/accounts/{key}/friends", views.save_friend, methods=["POST"]),
        Route("/console/accounts/{key}/friends/{friend}/delete", views.remove_friend,
              methods=["POST"]),
        Route("/console/accounts/{key}/multi-profiles", views.save_multi_profile,
              methods=["POST"]),
        Route("/console/accounts/{key}/multi-profiles/{mp}/delete", views.delete_multi_profile,
              methods=["POST"]),
        Route("/console/links", views.links, methods=["GET"]),
        Route("/console/links", views.save_link, methods=["POST"]),
        Route("/console/links/delete", views.delete_link, methods=["POST"]),
        Route("/console/links/messages", views.set_accepts_messages, methods=["POST"]),
        Route("/console/journal", ops.journal, methods=["GET"]),
        Route("/console/journal/clear", ops.clear_journal, methods=["POST"]),
        Route("/console/faults", ops.faults, methods=["GET"]),
        Route("/console/faults", ops.add_fault, methods=["POST"]),
        Route("/console/faults/clear", ops.clear_faults, methods=["POST"]),
        Route("/console/faults/{fault_id}/delete", ops.delete_fault, methods=["POST"]),
        Route("/console/clock", ops.clock_page, methods=["GET"]),
        Route("/console/clock", ops.set_clock, methods=["POST"]),
        Route("/console/rest-api-test", restapi.rest_api_test, methods=["GET"]),
        Route("/console/rest-api-test", restapi.send, methods=["POST"]),
    ]
