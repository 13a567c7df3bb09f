"""The OpenAPI 3.1 document of the JSON API, kept beside the routes (a test checks that
every /api route is described here and every path here is routed)."""

from __future__ import annotations

from typing import Any

from flows.core import limits

_ERROR = {"$ref": "#/components/schemas/Error"}
_PARAMS = {
    "status": {
        "name": "status",
        "in": "query",
        "schema": {
            "type": "string",
            "enum": ["draft", "planned", "held", "no_show", "cancelled", "moved", "closed"],
        },
    },
    "from": {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
    "to": {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
    "page": {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    "convenor": {"name": "convenor", "in": "query", "schema": {"type": "integer"}},
}


def _response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_UNAUTHORISED = {"401": _response("No valid Bearer token", _ERROR)}
_MEETING = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "starts_at": {"type": ["string", "null"], "format": "date-time"},
        "timezone": {"type": "string"},
        "status": {"type": "string"},
        "convenor": {"type": ["string", "null"]},
        "preparation": {
            "type": "object",
            "properties": {"done": {"type": "integer"}, "total": {"type": "integer"}},
        },
        "information": {
            "type": "object",
            "description": "information messages to people, counted by status",
            "additionalProperties": {"type": "integer"},
        },
        "people": {"type": "integer"},
        "confirmed": {"type": "integer"},
        "declined": {"type": "integer"},
        "person_in_focus_response": {"type": ["string", "null"]},
        "feedback_due": {"type": ["string", "null"], "format": "date"},
        "feedback_given_at": {"type": ["string", "null"], "format": "date-time"},
        "survey": {
            "type": "object",
            "properties": {"sent": {"type": "integer"}, "answered": {"type": "integer"}},
        },
    },
}
# Free text is held to the bot's limits (flows.core.limits): longer is a 422.
_NEW_MEETING = {
    "type": "object",
    "required": ["purpose", "starts_at", "attendees"],
    "properties": {
        "purpose": {"type": "string", "maxLength": limits.PURPOSE},
        "starts_at": {"type": "string", "format": "date-time"},
        "minutes": {"type": "integer", "minimum": 15, "maximum": 480, "default": 60},
        "kind": {
            "type": "string",
            "enum": ["first", "follow_up", "handover", "coordinated_plan"],
        },
        "place": {"type": "string", "maxLength": limits.PLACE},
        "timezone": {
            "type": "string",
            "maxLength": limits.TIMEZONE,
            "description": "an IANA time zone; the team's when left out",
        },
        "convenor_id": {"type": "integer", "description": "a convenor of the token's team"},
        "attendees": {
            "type": "array",
            "maxItems": 12,
            "description": "exactly one with role person_in_focus",
            "items": {
                "type": "object",
                "required": ["first_name", "role"],
                "properties": {
                    "first_name": {"type": "string", "maxLength": limits.FIRST_NAME},
                    "role": {
                        "type": "string",
                        "enum": [
                            "person_in_focus",
                            "referrer",
                            "agency_staff",
                            "relative",
                            "interpreter",
                            "other",
                        ],
                    },
                    "agency": {
                        "type": "string",
                        "enum": [
                            "arbetsformedlingen",
                            "forsakringskassan",
                            "kommun",
                            "region",
                            "other",
                            "none",
                        ],
                    },
                    "why": {"type": "string", "maxLength": limits.WHY},
                    "phone": {
                        "type": "string",
                        "maxLength": limits.PHONE,
                        "description": "Swedish or E.164",
                    },
                    "language": {"type": "string", "enum": ["sv", "en", "ar"]},
                },
            },
        },
    },
}


_COUNT = {"type": ["integer", "null"], "description": "null: from 1 to 4, not shown"}
_SHARE = {"type": ["number", "null"]}
_OUTCOMES = {
    "type": "object",
    "properties": {
        "from": {"type": "string", "format": "date"},
        "to": {"type": "string", "format": "date"},
        "min_cell": {"type": "integer"},
        "steps": {
            "type": "object",
            "properties": {
                "people": _COUNT,
                "assessed_more_than_once": _COUNT,
                "suppressed": {"type": "boolean"},
                "mean_first": _SHARE,
                "mean_latest": _SHARE,
                "share_in_steps_4_to_6": _SHARE,
                "first": {"type": "object", "additionalProperties": _COUNT},
                "latest": {"type": "object", "additionalProperties": _COUNT},
            },
        },
        "outcomes": {
            "type": "object",
            "properties": {
                "asked": _COUNT,
                "answered": _COUNT,
                "suppressed": {"type": "boolean"},
                "categories": {"type": "object", "additionalProperties": _COUNT},
                "share_work_or_studies": _SHARE,
                "national_share_work_or_studies": {"type": "number"},
            },
        },
    },
}


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "flerpart API",
            "version": "1",
            "description": "Follow-up status of a team's multi-party meetings. "
            "Tokens: `flerpart token create --team NAME`.",
        },
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "properties": {"error": {"type": "string"}}},
                "Meeting": _MEETING,
                "NewMeeting": _NEW_MEETING,
            },
        },
        "paths": {
            "/api/openapi.json": {
                "get": {
                    "summary": "This document",
                    "security": [],
                    "responses": {"200": {"description": "OpenAPI 3.1"}},
                }
            },
            "/api/meetings": {
                "get": {
                    "summary": "The team's meetings with their follow-up status, newest first",
                    "parameters": [
                        _PARAMS[k] for k in ("status", "from", "to", "page", "convenor")
                    ],
                    "responses": {
                        "200": _response(
                            "A page of 25",
                            {
                                "type": "object",
                                "properties": {
                                    "page": {"type": "integer"},
                                    "has_next": {"type": "boolean"},
                                    "meetings": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Meeting"},
                                    },
                                },
                            },
                        ),
                        "400": _response("A bad filter", _ERROR),
                        **_UNAUTHORISED,
                    },
                },
                "post": {
                    "summary": "Create a meeting in preparation; its convenor finishes it in "
                    "Telegram (nothing is sent)",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/NewMeeting"}
                            }
                        },
                    },
                    "responses": {
                        "201": _response(
                            "Created",
                            {
                                "type": "object",
                                "properties": {
                                    "id": {"type": "integer"},
                                    "status": {"type": "string"},
                                    "convenor": {"type": ["integer", "null"]},
                                },
                            },
                        ),
                        "400": _response("Not JSON", _ERROR),
                        "422": _response("Not a meeting we can create", _ERROR),
                        **_UNAUTHORISED,
                    },
                },
            },
            "/api/meetings/{meeting_id}": {
                "get": {
                    "summary": "One meeting with its follow-up status and its attendees' roles",
                    "parameters": [
                        {
                            "name": "meeting_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        }
                    ],
                    "responses": {
                        "200": _response("The meeting", {"$ref": "#/components/schemas/Meeting"}),
                        "404": _response("Not found, or another team's", _ERROR),
                        **_UNAUTHORISED,
                    },
                }
            },
            "/api/survey": {
                "get": {
                    "summary": "Survey answers per question and month, response rate and funnel",
                    "parameters": [_PARAMS["from"], _PARAMS["to"]],
                    "responses": {
                        "200": _response("Aggregates only: no answer can be traced", {}),
                        "400": _response("A bad period", _ERROR),
                        **_UNAUTHORISED,
                    },
                }
            },
            "/api/outcomes": {
                "get": {
                    "summary": "Steps on the ladder at the first vs latest meeting, and the "
                    "outcome answers beside the national share; fewer than 5 is null",
                    "parameters": [_PARAMS["from"], _PARAMS["to"]],
                    "responses": {
                        "200": _response("Aggregates only, small cells null", _OUTCOMES),
                        "400": _response("A bad period", _ERROR),
                        **_UNAUTHORISED,
                    },
                }
            },
        },
    }
