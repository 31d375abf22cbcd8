"""Every key of the single DynamoDB table: the only module that builds or parses one.

Access patterns (ids are ULIDs; timestamps ISO-8601 UTC with milliseconds, so they sort as strings):

| # | pattern                                         | key                                                           |
|---|-------------------------------------------------|---------------------------------------------------------------|
| 1 | ticket by id                                    | PK=TICKET#<id>            SK=TICKET                           |
| 2 | a ticket's messages, oldest first               | PK=TICKET#<id>            SK begins_with MSG#<created>#<id>   |
| 3 | a ticket's events, oldest first                 | PK=TICKET#<id>            SK begins_with EVENT#<created>#<id> |
| 4 | tickets by status, latest activity first        | GSI1 GSI1PK=STATUS#<status>   GSI1SK=<updated_at>#<id>        |
| 5 | tickets by assignee, latest activity first      | GSI2 GSI2PK=ASSIGNEE#<agent>  GSI2SK=<updated_at>#<id>        |
| 6 | a customer's tickets, newest first              | GSI3 GSI3PK=CUSTOMER#<id>     GSI3SK=TICKET#<created_at>#<id> |
| 7 | a conversation's visible messages (all tickets) | GSI3 GSI3PK=CONV#<hash>       GSI3SK=MSG#<created_at>#<id>    |
| 8 | customer by id                                  | PK=CUSTOMER#<id>          SK=PROFILE                          |
| 9 | customer by channel identity                    | PK=IDENTITY#<channel>#<external id>  SK=IDENTITY              |
|10 | the current ticket of a conversation            | PK=CONV#<conversation key> SK=CONV                            |
|11 | delivery already stored? (TTL)                  | PK=DEDUP#<dedupe key>     SK=DEDUP                            |
|12 | web-chat session by token hash (TTL)            | PK=CHATSESSION#<sha256>   SK=SESSION                          |
|13 | inbox configuration (no secrets); all inboxes   | PK=INBOX#<id> SK=CONFIG; GSI1 GSI1PK=INBOXES GSI1SK=<id>      |
|14 | agent profile; all agents                       | PK=AGENT#<id> SK=PROFILE; GSI1 GSI1PK=AGENTS GSI1SK=<email>   |
|15 | our message by the provider's id (reports)      | PK=PROVIDERMSG#<channel>#<provider id>  SK=PROVIDERMSG        |
|16 | audit trail of sensitive actions, by month      | PK=AUDIT#<yyyy-mm>        SK=<created_at>#<id>                |
|17 | customers who declared a phone number / email   | PK=CONTACT#<phone|email>#<value>  SK=CUSTOMER#<id>            |
|18 | a customer's possible duplicates                | PK=CUSTOMER#<id>          SK=SUGGESTION#<other customer id>   |
|19 | one merge of two customers (undo reads it)      | PK=MERGE#<id>             SK=MERGE                            |
|20 | the routing rule set, all rules in one item     | PK=ROUTING#RULES          SK=CURRENT                          |
|21 | a routing rule's past versions                  | PK=ROUTING#RULE#<id>      SK=V#<version, 6 digits>            |
|22 | a team; all teams                               | PK=ROUTING#TEAM#<id> SK=TEAM; GSI1 GSI1PK=TEAMS GSI1SK=<id>   |
|23 | an agent's routing profile (skills, load)       | PK=AGENT#<id>             SK=ROUTING                          |
|24 | a team's waiting tickets of a kind, queue order | PK=ROUTING#QUEUE#<team>#<kind>  SK=<rank>#<ticket id>         |
|25 | a team's online agents with room, least loaded  | PK=ROUTING#POOL#<team>#<kind>   SK=<load 0-1000>#<agent id>   |
|26 | an organization (B2B account); all of them      | PK=ORG#<id> SK=ORG; GSI1 GSI1PK=ORGS GSI1SK=<id>              |
|24b| a team's waiting tickets of a kind, oldest first| GSI1 GSI1PK=ROUTING#WAITING#<team>#<kind> GSI1SK=<entered>#<id>|
|23b| agents online (with their load)                 | GSI1 GSI1PK=ROUTING#ONLINE    GSI1SK=<agent id>               |
|31 | waiting tickets per team and kind (counters)    | PK=COUNTER#ROUTING#QUEUE  SK=<team>#<kind>                    |
|32 | assignments of a day per team (counters)        | PK=COUNTER#ROUTING#ASSIGNED#<yyyy-mm-dd>  SK=<team>           |
|27 | a KB article as it is now; all articles         | PK=ARTICLE#<id> SK=CURRENT; GSI1 GSI1PK=ARTICLES GSI1SK=<id>  |
|28 | a KB article's past versions                    | PK=ARTICLE#<id>           SK=V#<version, 6 digits>            |
|29 | a KB article's helpful votes (counters)         | PK=ARTICLE#<id>           SK=VOTES                            |
|30 | customer questions with no good answer, by day  | PK=KBGAP#<yyyy-mm-dd>     SK=<created_at>#<id>                |
|50 | an inbox's bot settings (knowledge base)        | PK=INBOX#<id>             SK=BOT                              |
|51 | the bot's and the help center's day (counters)  | PK=COUNTER#KB#<yyyy-mm-dd> SK=ALL                             |
|33 | the SLA policy set, all policies in one item    | PK=SLA#POLICIES           SK=CURRENT                          |
|34 | an SLA policy's past versions                   | PK=SLA#POLICY#<id>        SK=V#<version, 6 digits>            |
|35 | a recipient's in-app notifications, newest last | PK=NOTIFY#<agent or team#id> SK=<created_at>#<id> (TTL)       |
|36 | SLA figures of a day (counters)                 | PK=COUNTER#SLA#<yyyy-mm-dd> SK=<team>                         |
|37 | open tickets at SLA risk now; the backlog       | PK=COUNTER#SLA#RISK       SK=<team> (or #backlog: all teams)  |
|40 | shared canned replies                           | PK=CANNED#SHARED          SK=<id>                             |
|41 | an agent's personal canned replies              | PK=CANNED#AGENT#<agent>   SK=<id>                             |
|42 | an agent's saved inbox views                    | PK=AGENT#<id>             SK=VIEW#<view id>                   |
|43 | notes on a customer, oldest first               | PK=CUSTOMER#<id>          SK=NOTE#<created_at>#<id>           |
|44 | how far an agent has read a ticket              | PK=AGENT#<id>             SK=READ#<ticket id>                 |
|45 | a file uploaded for a message not yet sent (TTL)| PK=UPLOAD#<id>            SK=UPLOAD                           |
|46 | who is typing on a ticket (TTL)                 | PK=TYPING#<ticket id>     SK=<customer|agent>                 |
|47 | a ticket's satisfaction rating                  | PK=TICKET#<id>            SK=CSAT#                            |
|48 | satisfaction ratings of a day (counters)        | PK=COUNTER#CSAT#<yyyy-mm-dd> SK=ALL                           |
|49 | a satisfaction survey by its token's hash (TTL) | PK=CSAT#SURVEY#<sha256>   SK=SURVEY                           |
|49b| the survey a ticket was sent (TTL)              | PK=TICKET#<id>            SK=CSAT#SURVEY                      |
|60 | a WebSocket connection of the agent app (TTL)   | PK=WSCONN#<connection id> SK=CONN                             |
|61 | the connections one push goes to (TTL)          | PK=WSTO#<agent#id|team#id|unrouted|floor>  SK=<connection id> |
|62 | contact reveals of one user in one hour (TTL)   | PK=COUNTER#REVEAL#<yyyy-mm-ddThh>  SK=<agent id>              |

Patterns 24 and 25 are read with Limit: a decision reads the head of one queue and the least-loaded end of
one pool, never all tickets or all agents (kefu/store/routing.py). 24b and 23b are sparse: only queue entries
and online agents' routing profiles carry those GSI1 keys (the live figures read them with Limit). 31 and 32
are kept by the stream function (kefu/services/stream.py). Pattern 26's list (GSI1 ORGS) is the admin list of
organizations, read a page at a time with a Limit; ingest reads one by id. Pattern 27's list (GSI1 ARTICLES)
feeds the admin list and a reindex; search itself is in OpenSearch (kefu/knowledge/search.py).

Reserved for what comes next (prefixes only; each module in kefu/store says how it will use them): report
counters (COUNTER#), imports (IMPORT#).

Pattern 49 is how ``GET``/``POST /csat/{token}`` find a survey: one GetItem by the token's hash (the token
itself is never stored); 49b, beside the rating (47) in the ticket's partition, says a survey was sent, so a
ticket resolved again within the survey's life is not surveyed twice (kefu/store/csat.py).

Pattern 61 is what a push reads: one Query per recipient (the ticket's agent, its team, the floor of supervisors),
never a scan; pattern 60 holds the audiences of one connection so $disconnect and a gone connection (410) delete
exactly its items (kefu/store/connections.py).

Internal notes carry no GSI3 keys, so they can never appear in a customer's conversation (pattern 7).
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple

# ---------------------------------------------------------------- the table's attribute names and indexes

PK = "PK"
SK = "SK"
ENTITY = "entity"  # what an item is ("ticket", "message", ...), for stream readers
TTL_ATTRIBUTE = "expires_at"


class Index(NamedTuple):
    name: str
    partition: str
    sort: str


BY_STATUS = Index("GSI1", "GSI1PK", "GSI1SK")  # tickets by status; also the inbox and agent lists
BY_ASSIGNEE = Index("GSI2", "GSI2PK", "GSI2SK")
BY_OWNER = Index("GSI3", "GSI3PK", "GSI3SK")  # a customer's tickets; a conversation's messages
INDEXES = (BY_STATUS, BY_ASSIGNEE, BY_OWNER)

# ---------------------------------------------------------------- entity prefixes (the key test reads these)

TICKET = "TICKET#"
MESSAGE = "MSG#"
EVENT = "EVENT#"
STATUS = "STATUS#"
ASSIGNEE = "ASSIGNEE#"
CUSTOMER = "CUSTOMER#"
CONVERSATION = "CONV#"
IDENTITY = "IDENTITY#"
DEDUP = "DEDUP#"
CHAT_SESSION = "CHATSESSION#"
INBOX = "INBOX#"
AGENT = "AGENT#"
PROVIDER_MESSAGE = "PROVIDERMSG#"
AUDIT = "AUDIT#"
CONTACT = "CONTACT#"
SUGGESTION = "SUGGESTION#"
MERGE = "MERGE#"
ORGANIZATION = "ORG#"
ARTICLE = "ARTICLE#"
KB_GAP = "KBGAP#"
NOTIFICATION = "NOTIFY#"
# reserved (see the docstring)
ROUTING = "ROUTING#"
SLA = "SLA#"
CSAT = "CSAT#"
COUNTER = "COUNTER#"
IMPORT = "IMPORT#"
CANNED = "CANNED#"
WS_CONNECTION = "WSCONN#"
WS_AUDIENCE = "WSTO#"
UPLOAD = "UPLOAD#"
TYPING = "TYPING#"

PREFIXES = (
    TICKET,
    MESSAGE,
    EVENT,
    STATUS,
    ASSIGNEE,
    CUSTOMER,
    CONVERSATION,
    IDENTITY,
    DEDUP,
    CHAT_SESSION,
    INBOX,
    AGENT,
    PROVIDER_MESSAGE,
    AUDIT,
    CONTACT,
    SUGGESTION,
    MERGE,
    ORGANIZATION,
    NOTIFICATION,
    KB_GAP,
    ROUTING,
    SLA,
    ARTICLE,
    CSAT,
    COUNTER,
    IMPORT,
    WS_CONNECTION,
    WS_AUDIENCE,
    UPLOAD,
    TYPING,
)

# fixed sort keys and list partitions
_TICKET_SK = "TICKET"
_PROFILE_SK = "PROFILE"
_IDENTITY_SK = "IDENTITY"
_CONVERSATION_SK = "CONV"
_DEDUP_SK = "DEDUP"
_SESSION_SK = "SESSION"
_CONFIG_SK = "CONFIG"
_PROVIDER_MESSAGE_SK = "PROVIDERMSG"
_MERGE_SK = "MERGE"
ALL_INBOXES = "INBOXES"  # the list partitions of the inbox and agent indexes
ALL_AGENTS = "AGENTS"
ALL_TEAMS = "TEAMS"
ALL_ORGANIZATIONS = "ORGS"
ALL_ARTICLES = "ARTICLES"
_VOTES_SK = "VOTES"
_BOT_SK = "BOT"
_KB_COUNTER = "KB#"
_ALL_SK = "ALL"
_ORGANIZATION_SK = "ORG"
_RULES = "RULES"
_CURRENT_SK = "CURRENT"
_RULE = "RULE#"
_VERSION = "V#"
_TEAM = "TEAM#"
_TEAM_SK = "TEAM"
_ROUTING_SK = "ROUTING"
_QUEUE = "QUEUE#"
_POOL = "POOL#"
_WAITING = "WAITING#"
ONLINE_AGENTS = f"{ROUTING}ONLINE"
_ROUTING_COUNTER = "ROUTING#"
_ASSIGNED = "ASSIGNED#"
QUEUE_COUNTERS = f"{COUNTER}{_ROUTING_COUNTER}QUEUE"
# a ticket's events and messages together: every sort key from EVENT# up to the end of MSG#
THREAD_RANGE = (EVENT, "MSG$")


class Key(NamedTuple):
    pk: str
    sk: str

    def as_dict(self) -> dict[str, str]:
        return {PK: self.pk, SK: self.sk}


# ---------------------------------------------------------------- tickets, messages, events (1-7, 10, 11, 15)


def ticket(ticket_id: str) -> Key:
    return Key(TICKET + ticket_id, _TICKET_SK)


def ticket_partition(ticket_id: str) -> str:
    return TICKET + ticket_id


def message_sort(created_at: str, message_id: str) -> str:
    return f"{MESSAGE}{created_at}#{message_id}"


def message(ticket_id: str, created_at: str, message_id: str) -> Key:
    return Key(TICKET + ticket_id, message_sort(created_at, message_id))


def parse_message_sort(sort: str) -> tuple[str, str]:
    """(created_at, message id) of a message's sort key."""
    created_at, _, message_id = sort.removeprefix(MESSAGE).rpartition("#")
    return created_at, message_id


def event(ticket_id: str, created_at: str, event_id: str) -> Key:
    return Key(TICKET + ticket_id, f"{EVENT}{created_at}#{event_id}")


def ticket_index_keys(
    *, ticket_id: str, status: str, customer_id: str, created_at: str, updated_at: str, assignee: str | None
) -> dict[str, str]:
    keys = {
        BY_STATUS.partition: STATUS + status,
        BY_STATUS.sort: f"{updated_at}#{ticket_id}",
        BY_OWNER.partition: CUSTOMER + customer_id,
        BY_OWNER.sort: f"{TICKET}{created_at}#{ticket_id}",
    }
    if assignee:
        keys[BY_ASSIGNEE.partition] = ASSIGNEE + assignee
        keys[BY_ASSIGNEE.sort] = f"{updated_at}#{ticket_id}"
    return keys


def tickets_by_status(status: str) -> str:
    return STATUS + status


def tickets_by_assignee(agent_id: str) -> str:
    return ASSIGNEE + agent_id


def tickets_of_customer(customer_id: str) -> tuple[str, str]:
    """GSI3 partition and sort-key prefix of a customer's tickets (pattern 6)."""
    return CUSTOMER + customer_id, TICKET


def conversation_index(conversation_key: str) -> str:
    """GSI3 partition of a conversation's visible messages (pattern 7): hashed, conversation keys are long."""
    return CONVERSATION + hashlib.sha256(conversation_key.encode()).hexdigest()[:40]


def conversation_message_index(conversation_key: str, created_at: str, message_id: str) -> dict[str, str]:
    return {
        BY_OWNER.partition: conversation_index(conversation_key),
        BY_OWNER.sort: message_sort(created_at, message_id),
    }


def is_message_position(value: object) -> bool:
    """Whether a conversation cursor's position is a message sort key (and not some other partition's)."""
    return isinstance(value, str) and value.startswith(MESSAGE)


FIRST_MESSAGE_POSITION = MESSAGE


def conversation(conversation_key: str) -> Key:
    return Key(CONVERSATION + conversation_key, _CONVERSATION_SK)


def dedup(dedupe_key: str) -> Key:
    return Key(DEDUP + dedupe_key, _DEDUP_SK)


def provider_message(channel: str, provider_message_id: str) -> Key:
    return Key(f"{PROVIDER_MESSAGE}{channel}#{provider_message_id}", _PROVIDER_MESSAGE_SK)


# ---------------------------------------------------------------- customers (8, 9, 17-19)


def customer(customer_id: str) -> Key:
    return Key(CUSTOMER + customer_id, _PROFILE_SK)


def identity(channel: str, external_id: str) -> Key:
    return Key(f"{IDENTITY}{channel}#{external_id}", _IDENTITY_SK)


def contact(kind: str, value: str, customer_id: str) -> Key:
    return Key(f"{CONTACT}{kind}#{value}", CUSTOMER + customer_id)


def contact_partition(kind: str, value: str) -> str:
    return f"{CONTACT}{kind}#{value}"


def suggestion(customer_id: str, other_id: str) -> Key:
    return Key(CUSTOMER + customer_id, SUGGESTION + other_id)


def suggestions_of(customer_id: str) -> tuple[str, str]:
    """Partition and sort-key prefix of a customer's possible duplicates (pattern 18)."""
    return CUSTOMER + customer_id, SUGGESTION


def merge(merge_id: str) -> Key:
    return Key(MERGE + merge_id, _MERGE_SK)


# ---------------------------------------------------------------- inboxes, agents, sessions, audit (12-14, 16)


def chat_session(token_hash: str) -> Key:
    return Key(CHAT_SESSION + token_hash, _SESSION_SK)


def inbox(inbox_id: str) -> Key:
    return Key(INBOX + inbox_id, _CONFIG_SK)


def inbox_list_keys(inbox_id: str) -> dict[str, str]:
    return {BY_STATUS.partition: ALL_INBOXES, BY_STATUS.sort: inbox_id}


def agent(agent_id: str) -> Key:
    return Key(AGENT + agent_id, _PROFILE_SK)


def agent_list_keys(sort_value: str) -> dict[str, str]:
    return {BY_STATUS.partition: ALL_AGENTS, BY_STATUS.sort: sort_value}


def audit_month(month: str) -> str:
    """Partition of one month's audit trail (``yyyy-mm``)."""
    return AUDIT + month


def audit(created_at: str, entry_id: str) -> Key:
    return Key(audit_month(created_at[:7]), f"{created_at}#{entry_id}")


_REVEAL_COUNTER = "REVEAL#"


def reveal_counter(hour: str, agent_id: str) -> Key:
    """How many times one user revealed a customer's contacts in one hour (pattern 62), ``yyyy-mm-ddThh``."""
    return Key(f"{COUNTER}{_REVEAL_COUNTER}{hour}", agent_id)


# ---------------------------------------------------------------- routing (20-25)


def rule_set() -> Key:
    return Key(ROUTING + _RULES, _CURRENT_SK)


def rule_version(rule_id: str, version: int) -> Key:
    return Key(f"{ROUTING}{_RULE}{rule_id}", f"{_VERSION}{version:06d}")


def rule_versions(rule_id: str) -> tuple[str, str]:
    """Partition and sort-key prefix of a rule's past versions (pattern 21)."""
    return f"{ROUTING}{_RULE}{rule_id}", _VERSION


def team(team_id: str) -> Key:
    return Key(f"{ROUTING}{_TEAM}{team_id}", _TEAM_SK)


def team_list_keys(team_id: str) -> dict[str, str]:
    return {BY_STATUS.partition: ALL_TEAMS, BY_STATUS.sort: team_id}


def routing_profile(agent_id: str) -> Key:
    return Key(AGENT + agent_id, _ROUTING_SK)


def queue_partition(team_id: str, kind: str) -> str:
    return f"{ROUTING}{_QUEUE}{team_id}#{kind}"


def queue_entry(team_id: str, kind: str, rank: str, ticket_id: str) -> Key:
    """A waiting ticket's place (pattern 24); ``rank`` sorts like the queue (kefu.routing.queue.rank)."""
    return Key(queue_partition(team_id, kind), f"{rank}#{ticket_id}")


def pool_partition(team_id: str, kind: str) -> str:
    return f"{ROUTING}{_POOL}{team_id}#{kind}"


def pool_entry(team_id: str, kind: str, load_share: int, agent_id: str) -> Key:
    """An available agent's place in a team's pool (pattern 25), least loaded first."""
    return Key(pool_partition(team_id, kind), f"{load_share:04d}#{agent_id}")


def waiting_index_keys(team_id: str, kind: str, entered_at: str, ticket_id: str) -> dict[str, str]:
    """A queue entry's place among its queue's tickets by age (pattern 24b: the longest wait is the first)."""
    return {BY_STATUS.partition: waiting_index(team_id, kind), BY_STATUS.sort: f"{entered_at}#{ticket_id}"}


def waiting_index(team_id: str, kind: str) -> str:
    return f"{ROUTING}{_WAITING}{team_id}#{kind}"


def online_index_keys(agent_id: str) -> dict[str, str]:
    """An online agent's routing profile in the list of online agents (pattern 23b)."""
    return {BY_STATUS.partition: ONLINE_AGENTS, BY_STATUS.sort: agent_id}


def queue_place(pk: str) -> tuple[str, str] | None:
    """(team, kind) of a queue entry's partition key (a stream record's key), or None for any other key."""
    prefix = f"{ROUTING}{_QUEUE}"
    if not pk.startswith(prefix):
        return None
    team_id, _, kind = pk.removeprefix(prefix).rpartition("#")
    return (team_id, kind) if team_id else None


def queue_counter(team_id: str, kind: str) -> Key:
    """How many tickets wait in a team's queue of a kind (pattern 31)."""
    return Key(QUEUE_COUNTERS, f"{team_id}#{kind}")


def parse_queue_counter(sk: str) -> tuple[str, str]:
    team_id, _, kind = sk.rpartition("#")
    return team_id, kind


def assignment_counters(day: str) -> str:
    """Partition of one day's assignment counters (pattern 32), ``yyyy-mm-dd``."""
    return f"{COUNTER}{_ROUTING_COUNTER}{_ASSIGNED}{day}"


def assignment_counter(day: str, team_id: str) -> Key:
    return Key(assignment_counters(day), team_id)


def organization(organization_id: str) -> Key:
    return Key(ORGANIZATION + organization_id, _ORGANIZATION_SK)


def organization_list_keys(organization_id: str) -> dict[str, str]:
    return {BY_STATUS.partition: ALL_ORGANIZATIONS, BY_STATUS.sort: organization_id}


# ---------------------------------------------------------------- knowledge base (27-30)


def article(article_id: str) -> Key:
    return Key(ARTICLE + article_id, _CURRENT_SK)


def article_list_keys(article_id: str) -> dict[str, str]:
    return {BY_STATUS.partition: ALL_ARTICLES, BY_STATUS.sort: article_id}


def article_version(article_id: str, version: int) -> Key:
    return Key(ARTICLE + article_id, f"{_VERSION}{version:06d}")


def article_versions(article_id: str) -> tuple[str, str]:
    """Partition and sort-key prefix of an article's past versions (pattern 28)."""
    return ARTICLE + article_id, _VERSION


def article_partition(article_id: str) -> str:
    return ARTICLE + article_id


def article_votes(article_id: str) -> Key:
    return Key(ARTICLE + article_id, _VOTES_SK)


def is_current_article(pk: str, sk: str) -> bool:
    """Whether a stream record's key is an article as it is now (the one the search index follows)."""
    return pk.startswith(ARTICLE) and sk == _CURRENT_SK


def article_id_of(pk: str) -> str:
    return pk.removeprefix(ARTICLE)


def kb_gap_day(day: str) -> str:
    return KB_GAP + day


def kb_gap(created_at: str, gap_id: str) -> Key:
    return Key(kb_gap_day(created_at[:10]), f"{created_at}#{gap_id}")


# ---------------------------------------------------------------- SLA policies, notifications (33-36)

_POLICIES = "POLICIES"
_POLICY = "POLICY#"


def sla_policy_set() -> Key:
    return Key(SLA + _POLICIES, _CURRENT_SK)


def sla_policy_version(policy_id: str, version: int) -> Key:
    return Key(f"{SLA}{_POLICY}{policy_id}", f"{_VERSION}{version:06d}")


def notifications_of(recipient: str) -> str:
    """Partition of a recipient's notifications (pattern 35): ``agent#<id>`` or ``team#<id>``."""
    return NOTIFICATION + recipient


def notification(recipient: str, created_at: str, notification_id: str) -> Key:
    return Key(notifications_of(recipient), f"{created_at}#{notification_id}")


def sla_counters(day: str) -> str:
    """Partition of one day's SLA counters (pattern 36), ``yyyy-mm-dd`` in UTC."""
    return f"{COUNTER}{SLA}{day}"


def sla_counter(day: str, team: str) -> Key:
    return Key(sla_counters(day), team)


SLA_RISK_COUNTERS = f"{COUNTER}{SLA}RISK"  # pattern 37: never a day, so never one of 36's partitions


def sla_risk_counter(team: str) -> Key:
    return Key(SLA_RISK_COUNTERS, team)


# ---------------------------------------------------------------- the agent workspace (40-43)

_SHARED = "SHARED"
_VIEW = "VIEW#"
_NOTE = "NOTE#"


def canned_partition(owner_id: str | None) -> str:
    """Shared replies (owner None) in one partition; each agent's own in another."""
    return f"{CANNED}{_SHARED}" if owner_id is None else f"{CANNED}{AGENT}{owner_id}"


def canned_reply(owner_id: str | None, reply_id: str) -> Key:
    return Key(canned_partition(owner_id), reply_id)


def saved_view(agent_id: str, view_id: str) -> Key:
    return Key(AGENT + agent_id, _VIEW + view_id)


def saved_views_of(agent_id: str) -> tuple[str, str]:
    """(partition, sort prefix) of an agent's views."""
    return AGENT + agent_id, _VIEW


def customer_note(customer_id: str, created_at: str, note_id: str) -> Key:
    return Key(CUSTOMER + customer_id, f"{_NOTE}{created_at}#{note_id}")


def customer_notes_of(customer_id: str) -> tuple[str, str]:
    """(partition, sort prefix) of a customer's notes."""
    return CUSTOMER + customer_id, _NOTE


def bot_settings(inbox_id: str) -> Key:
    """An inbox's bot settings (pattern 50), beside its configuration."""
    return Key(INBOX + inbox_id, _BOT_SK)


def kb_day_counter(day: str) -> Key:
    """The knowledge base's figures of one UTC day (pattern 51): bot decisions, helpful votes."""
    return Key(f"{COUNTER}{_KB_COUNTER}{day}", _ALL_SK)


# ---------------------------------------------------------------- WebSocket connections (60, 61)

_CONNECTION_SK = "CONN"


def ws_connection(connection_id: str) -> Key:
    """One connection of the agent app (pattern 60): who it is and which audiences it joined."""
    return Key(WS_CONNECTION + connection_id, _CONNECTION_SK)


def ws_audience_partition(audience: str) -> str:
    """The connections a push to ``audience`` goes to (pattern 61); ``audience`` as kefu/store/connections.py
    names them (``agent#<id>``, ``team#<id>``, ``unrouted``, ``floor``)."""
    return WS_AUDIENCE + audience


def ws_audience_member(audience: str, connection_id: str) -> Key:
    return Key(ws_audience_partition(audience), connection_id)


# ---------------------------------------------------------------- the thread's media, read markers, typing, CSAT (44-48)

_READ = "READ#"
_UPLOAD_SK = "UPLOAD"
TYPING_SIDES = ("customer", "agent")


def read_marker(agent_id: str, ticket_id: str) -> Key:
    """How far one agent has read one ticket (pattern 44), beside the agent's other workspace items."""
    return Key(AGENT + agent_id, _READ + ticket_id)


def upload(upload_id: str) -> Key:
    """A file uploaded for a message that is not sent yet (pattern 45); the message takes it by id."""
    return Key(UPLOAD + upload_id, _UPLOAD_SK)


def typing(ticket_id: str, side: str) -> Key:
    """Until when one side of a ticket's conversation is typing (pattern 46), ``side`` customer or agent."""
    if side not in TYPING_SIDES:
        raise ValueError(f"typing side must be one of {TYPING_SIDES}")
    return Key(TYPING + ticket_id, side)


def csat(ticket_id: str) -> Key:
    """A ticket's satisfaction rating (pattern 47), in the ticket's partition, outside its thread's range."""
    return Key(TICKET + ticket_id, CSAT)


_SURVEY = "SURVEY"


def csat_survey(token_hash: str) -> Key:
    """A satisfaction survey by the sha256 of its token (pattern 49): the ticket it rates and where it went."""
    return Key(f"{CSAT}{_SURVEY}#{token_hash}", _SURVEY)


def csat_survey_of_ticket(ticket_id: str) -> Key:
    """The survey a ticket was sent (pattern 49b), in the ticket's partition, outside its thread's range."""
    return Key(TICKET + ticket_id, CSAT + _SURVEY)


def csat_day_counter(day: str) -> Key:
    """The day's satisfaction figures (pattern 48): how many ratings and their sum, per UTC day."""
    return Key(f"{COUNTER}{CSAT}{day}", _ALL_SK)
