"""The one exception every refused command raises, with a reason a person can read."""

from __future__ import annotations

from enum import StrEnum


class Refusal(StrEnum):
    """Why a command was refused. The user-facing texts live in content/messages.*.yaml."""

    NOT_FACILITATOR = "not_facilitator"
    NOT_ASKER = "not_asker"
    NOT_ANSWERER = "not_answerer"
    NOT_PARTICIPANT = "not_participant"
    WRONG_PHASE = "wrong_phase"
    PAUSED = "paused"
    NOT_PAUSED = "not_paused"
    UNKNOWN_PARTICIPANT = "unknown_participant"
    PARTICIPANT_ABSENT = "participant_absent"
    OWN_QUESTION = "own_question"
    ALREADY_ANSWERER = "already_answerer"
    NO_ANSWERER_YET = "no_answerer_yet"
    ALREADY_HAD_TURN = "already_had_turn"
    LAST_CARD = "last_card"
    UNKNOWN_PROMPT = "unknown_prompt"
    TOO_FEW_PARTICIPANTS = "too_few_participants"
    CARD_COUNT_OUT_OF_RANGE = "card_count_out_of_range"
    MINUTES_OUT_OF_RANGE = "minutes_out_of_range"
    UNSUPPORTED_LANGUAGE = "unsupported_language"
    GUEST_NAME_INVALID = "guest_name_invalid"
    FACILITATOR_MUST_TAKE_PART = "facilitator_must_take_part"
    FACILITATOR_MUST_BE_PRESENT_PERSON = "facilitator_must_be_present_person"
    ALREADY_FACILITATOR = "already_facilitator"
    FACILITATOR_STILL_PRESENT = "facilitator_still_present"
    UNKNOWN_AGREEMENT = "unknown_agreement"
    AGREEMENT_INVALID = "agreement_invalid"
    AGREEMENT_NOT_OWNER = "agreement_not_owner"
    AGREEMENT_ALREADY_CONFIRMED = "agreement_already_confirmed"
    AGREEMENT_NOT_CONFIRMED = "agreement_not_confirmed"
    FORM_TOO_LONG = "form_too_long"


class NotAllowed(Exception):
    """A command that the rules do not allow now; nothing was changed.

    ``params`` fill the placeholders of the reason's text (names, numbers), so that the
    edge can say it in the user's language.
    """

    def __init__(self, command: str, state: str, reason: Refusal, **params: object) -> None:
        self.command = command
        self.state = state
        self.reason = reason
        self.params: dict[str, object] = params
        super().__init__(f"{command} refused in {state}: {reason.value} {params or ''}".strip())
