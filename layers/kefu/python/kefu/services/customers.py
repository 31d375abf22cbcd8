"""One customer across channels: which identities belong to one person, possible duplicates, merge and unmerge.

The rule (docs/customers.md says it for people):

- The channel's own id (the sender's identity on that channel) is looked up first; a known sender is that
  customer (following ``merged_into`` if a supervisor merged it since).
- A new sender is then looked up by the cross-channel keys its channel *proves*, most trusted first: the
  WeChat unionid, the sender address of an inbound email (SES checked SPF/DKIM), the phone number of a WhatsApp
  or Twilio sender (the operator delivered it). If those keys lead to exactly one customer and nothing
  contradicts it, the new identity joins that customer; the writes are conditional, so two first messages
  racing for one key still end with one customer.
- Keys that lead to two customers, or that contradict the one they lead to (a second, different unionid),
  never merge anything: the sender becomes a new customer and both sides get a possible-duplicate suggestion.
- Phone numbers and emails the customer typed (web chat, web form) prove nothing: they go on the profile and
  into the contact index, and produce suggestions only.
- Supervisors and admins merge two customers explicitly (audited, undoable exactly once).

Phone numbers, emails and the identities made of them leave the API masked for every role (``visible``);
a caller with the reveal permission (``kefu.auth.REVEAL_CONTACTS``) sees them whole only by asking for it,
with a reason, and each such reveal is written to the audit trail (``reveal``). An exact lookup by phone
number, email or channel id (``find_customers``), open to every role, is written there too, its value masked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kefu import identifiers
from kefu.auth import REVEAL_CONTACTS, Caller
from kefu.clock import new_id, now_iso
from kefu.errors import Conflict, InvalidInput, NotFound, TooManyRequests, retry_on_concurrent_update
from kefu.inbound import Sender
from kefu.models import AuditEntry, Customer, CustomerMerge, DuplicateSuggestion, Identity, Ticket, Tier
from kefu.observability import count, current_correlation_id, decided
from kefu.phone import to_e164
from kefu.privacy import mask_email, mask_phone
from kefu.store import Read, Store
from kefu.store.table import MAX_TRANSACTION_ITEMS

# cross-channel keys, stored as identities of these pseudo-channels (the email channel's own id is the email key)
UNION = "wechat_union"
PHONE = "phone"
EMAIL = "email"
PHONE_PROVING_CHANNELS = frozenset({"whatsapp", "twilio"})
EMAIL_PROVING_CHANNELS = frozenset({"email"})
# a person has one unionid: a customer holding a different one is somebody else
EXCLUSIVE_KINDS = frozenset({UNION})
# channels whose external ids are phone numbers or email addresses (masked unless revealed)
PHONE_ID_CHANNELS = frozenset({"whatsapp", "twilio", PHONE})
EMAIL_ID_CHANNELS = frozenset({"email", "form"})

MAX_HOPS = 10  # merged_into chains longer than this are refused rather than followed forever
MAX_MERGED_SOURCES = 20  # how many merged-away customers a profile gathers history from
HISTORY_LIMIT = 50
MAX_REASON = 500
# a merge writes both profiles, the merge record and its audit entry, plus one item per moved identity
MERGE_FIXED_ITEMS = 4
MAX_MERGE_IDENTITIES = MAX_TRANSACTION_ITEMS - MERGE_FIXED_ITEMS

REASON_DECLARED = "declared_contact"  # a typed phone/email that another customer holds or typed too
REASON_CONFLICT = "key_conflict"  # a proven key belongs to a customer that contradicts the sender
REASON_AMBIGUOUS = "ambiguous_keys"  # the sender's keys lead to more than one customer


@dataclass(frozen=True)
class SenderKeys:
    own: Identity
    strong: tuple[Identity, ...]  # proven cross-channel keys, most trusted first (never the own id)
    declared: tuple[tuple[str, str], ...]  # (phone|email, normalised value) the customer typed
    phone: str | None  # for the profile
    email: str | None


@dataclass(frozen=True)
class CustomerProfile:
    customer: Customer
    tickets: list[Ticket]


def _normal_email(value: str | None) -> str | None:
    if not value:
        return None
    address = value.strip().lower()
    return address if "@" in address and len(address) <= 254 else None


def keys_of(sender: Sender) -> SenderKeys:
    own = Identity(channel=sender.channel, external_id=sender.external_id)
    proves_phone = sender.channel in PHONE_PROVING_CHANNELS
    proves_email = sender.channel in EMAIL_PROVING_CHANNELS
    # a WhatsApp or Twilio sender's id is its number (Twilio: maybe "whatsapp:+…")
    phone = to_e164(sender.phone or (sender.external_id if proves_phone else None))
    email = _normal_email(sender.email)
    strong: list[Identity] = []
    if sender.union_id and sender.union_id.strip():
        strong.append(Identity(channel=UNION, external_id=sender.union_id.strip()))
    if proves_email and email:
        strong.append(Identity(channel=EMAIL, external_id=email))
    if proves_phone and phone:
        strong.append(Identity(channel=PHONE, external_id=phone))
    declared: list[tuple[str, str]] = []
    if phone and not proves_phone:
        declared.append((PHONE, phone))
    if email and not proves_email:
        declared.append((EMAIL, email))
    return SenderKeys(
        own=own,
        strong=tuple(k for k in strong if k != own),
        declared=tuple(declared),
        phone=phone or sender.phone,
        email=email,
    )


# ---------------------------------------------------------------- resolution (ingest)


@dataclass
class Resolution:
    """Who sent a message, as far as the lookups had to go to know it.

    ``customer`` is the profile when it was read or made here (a known sender with nothing new to learn
    needs no profile read); ``new_customer`` is a customer still to be written, in the caller's own
    transaction (``CustomerRepository.add_new``); the suggestions wait until that write landed (``finish``).
    """

    customer_id: str
    customer: Customer | None = None
    new_customer: Customer | None = None
    declared: list[tuple[str, str]] = field(default_factory=list)
    conflicts: list[tuple[str, Identity, str]] = field(default_factory=list)  # (other customer, key, reason)
    newly_proven: list[Identity] | None = None  # set: meet the contact index (``_suggest_from_contacts``)


def _looked_up(keys: SenderKeys) -> list[Identity]:
    return [keys.own, *keys.strong, *(Identity(channel=k, external_id=v) for k, v in keys.declared)]


def identity_reads(store: Store, keys: SenderKeys) -> list[Read[str]]:
    """The identity items a resolution needs, for the caller's batch read: own id, proven keys, typed ones."""
    return [store.customers.identity_read(identity) for identity in _looked_up(keys)]


def owners_from(keys: SenderKeys, found: list[str | None]) -> dict[tuple[str, str], str | None]:
    """What the ``identity_reads`` found, in their order: (channel, external id) -> customer id."""
    return {(i.channel, i.external_id): owner for i, owner in zip(_looked_up(keys), found, strict=True)}


def resolve(store: Store, sender: Sender, keys: SenderKeys, owners: dict[tuple[str, str], str | None]) -> Resolution:
    """Apply the rule above to what the identity reads found (``owners``: identity -> customer id)."""
    owner_id = owners.get((keys.own.channel, keys.own.external_id))
    if owner_id:
        if all(owners.get((k.channel, k.external_id)) == owner_id for k in keys.strong):
            return Resolution(owner_id)  # known, and nothing new to learn: no profile read
        return _learn(store, current_customer(store, owner_id), keys, owners)

    found: dict[str, tuple[Customer, Identity]] = {}  # live customer -> the first (most trusted) key to it
    profiles: dict[str, Customer] = {}  # two keys of one customer: its profile read once
    unclaimed: list[Identity] = []
    for key in keys.strong:
        holder = owners.get((key.channel, key.external_id))
        if holder is None:
            unclaimed.append(key)
            continue
        if holder not in profiles:
            profiles[holder] = current_customer(store, holder)
        owner = profiles[holder]
        found.setdefault(owner.id, (owner, key))

    stamp = now_iso()
    if len(found) == 1:
        target, _ = next(iter(found.values()))
        if _exclusive_conflict(target, unclaimed) is None:
            linked = store.customers.attach_identities(target, [keys.own, *unclaimed], list(keys.declared), stamp)
            return Resolution(linked.id, linked, newly_proven=unclaimed)

    customer = Customer(
        id=new_id(),
        name=sender.display_name,
        email=keys.email,
        phone=keys.phone,
        locale=sender.locale,
        identities=[keys.own, *unclaimed],
        created_at=stamp,
        updated_at=stamp,
    )
    reason = REASON_AMBIGUOUS if len(found) > 1 else REASON_CONFLICT
    return Resolution(
        customer.id,
        customer,
        new_customer=customer,
        declared=list(keys.declared),
        conflicts=[(other.id, key, reason) for other, key in found.values()],
        newly_proven=unclaimed,
    )


def finish(store: Store, resolution: Resolution, keys: SenderKeys, owners: dict[tuple[str, str], str | None]) -> None:
    """After the customer is stored: the possible-duplicate suggestions the resolution found."""
    stamp = now_iso()
    for other_id, key, reason in resolution.conflicts:
        _suggest(store, resolution.customer_id, other_id, key, reason, stamp)
    if resolution.newly_proven is not None:
        _suggest_from_contacts(store, resolution.customer_id, keys, resolution.newly_proven, owners, stamp)


def current_customer(store: Store, customer_id: str) -> Customer:
    """The customer, or the one it was merged into (following the chain)."""
    next_id = customer_id
    for _ in range(MAX_HOPS):
        customer = store.customers.get(next_id)
        if not customer.merged_into:
            return customer
        next_id = customer.merged_into
    raise Conflict(f"customer '{customer_id}' was merged more than {MAX_HOPS} times in a chain")


def _live_id(store: Store, customer_id: str) -> str | None:
    try:
        return current_customer(store, customer_id).id
    except (NotFound, Conflict):
        return None


def _exclusive_conflict(customer: Customer, keys: list[Identity]) -> Identity | None:
    """A key the customer cannot also have: it already holds a different one of that kind."""
    for key in keys:
        if key.channel in EXCLUSIVE_KINDS and any(
            i.channel == key.channel and i.external_id != key.external_id for i in customer.identities
        ):
            return key
    return None


def _learn(store: Store, customer: Customer, keys: SenderKeys, owners: dict[tuple[str, str], str | None]) -> Resolution:
    """A known sender brought a proven key its customer does not have yet (e.g. a unionid): add it if free."""
    held = {(i.channel, i.external_id) for i in customer.identities}
    missing = [k for k in keys.strong if (k.channel, k.external_id) not in held]
    conflicts: list[tuple[str, Identity, str]] = []
    free: list[Identity] = []
    for key in missing:
        found = owners.get((key.channel, key.external_id))
        if found is None:
            if _exclusive_conflict(customer, [key]) is None:
                free.append(key)
            continue
        other = _live_id(store, found)
        if other and other != customer.id:
            conflicts.append((other, key, REASON_CONFLICT))
    if not free:
        return Resolution(customer.id, customer, conflicts=conflicts)
    linked = store.customers.attach_identities(customer, free, [], now_iso())
    return Resolution(linked.id, linked, conflicts=conflicts, newly_proven=free)


def _suggest_from_contacts(
    store: Store,
    customer_id: str,
    keys: SenderKeys,
    newly_proven: list[Identity],
    owners: dict[tuple[str, str], str | None],
    stamp: str,
) -> None:
    """Typed contacts meet whoever proved or typed them; newly proven ones meet whoever typed them."""
    for kind, value in keys.declared:
        key = Identity(channel=kind, external_id=value)
        holder = owners.get((kind, value))
        if holder:
            _suggest(store, customer_id, holder, key, REASON_DECLARED, stamp)
        for other in store.customers.with_contact(kind, value):
            _suggest(store, customer_id, other, key, REASON_DECLARED, stamp)
    for key in newly_proven:
        if key.channel in (PHONE, EMAIL):
            for other in store.customers.with_contact(key.channel, key.external_id):
                _suggest(store, customer_id, other, key, REASON_DECLARED, stamp)


def _suggest(store: Store, customer_id: str, other_id: str, key: Identity, reason: str, stamp: str) -> None:
    other = _live_id(store, other_id)
    if other is None or other == customer_id:
        return
    for one, two in ((customer_id, other), (other, customer_id)):
        store.customers.put_suggestion(
            DuplicateSuggestion(
                customer_id=one,
                other_id=two,
                key_kind=key.channel,
                key_value=key.external_id,
                reason=reason,
                created_at=stamp,
            )
        )


# ---------------------------------------------------------------- reading (agent API)


def mask_identity(identity: Identity) -> Identity:
    channel, value = identity.channel, identity.external_id
    if channel in PHONE_ID_CHANNELS:
        prefix = "whatsapp:" if value.startswith("whatsapp:") else ""
        value = prefix + (mask_phone(value.removeprefix(prefix)) or "")
    elif channel in EMAIL_ID_CHANNELS:
        value = mask_email(value) or ""
    return Identity(channel=channel, external_id=value)


def visible(customer: Customer) -> Customer:
    """The customer as every read shows it: phone number, email and the identities made of them masked, for
    every role (a caller with the reveal permission asks for the whole values with ``reveal``)."""
    return customer.model_copy(
        update={
            "phone": mask_phone(customer.phone),
            "email": mask_email(customer.email),
            "identities": [mask_identity(i) for i in customer.identities],
        }
    )


def get_profile(store: Store, caller: Caller, customer_id: str) -> CustomerProfile:
    """Profile, tier, tags, identities and ticket history (including customers merged into this one).
    A merged customer answers as the tombstone it is, with ``merged_into`` saying where it went."""
    customer = store.customers.get(customer_id)
    return CustomerProfile(visible(customer), ticket_history(store, customer))


def ticket_history(store: Store, customer: Customer, limit: int = HISTORY_LIMIT) -> list[Ticket]:
    tickets = [t for cid in with_merged_sources(store, customer) for t in store.tickets.of_customer(cid, limit)]
    tickets.sort(key=lambda t: (t.created_at, t.id), reverse=True)
    return tickets[:limit]


def with_merged_sources(store: Store, customer: Customer) -> list[str]:
    """The customer and every customer merged into it (also indirectly), bounded."""
    out = [customer.id]
    pending = list(customer.merged_from)
    while pending and len(out) < MAX_MERGED_SOURCES:
        source_id = pending.pop(0)
        if source_id in out:
            continue
        out.append(source_id)
        source = store.customers.find(source_id)
        if source:
            pending.extend(source.merged_from)
    return out


def suggestions(store: Store, caller: Caller, customer_id: str) -> list[DuplicateSuggestion]:
    """Possible duplicates of a customer (a merged one answers for the customer it went into)."""
    live = current_customer(store, customer_id)
    out: list[DuplicateSuggestion] = []
    seen: set[str] = set()
    for cid in with_merged_sources(store, live):
        for suggestion in store.customers.suggestions(cid):
            other = _live_id(store, suggestion.other_id)
            if other is None or other == live.id or other in seen:
                continue
            seen.add(other)
            value = mask_identity(Identity(channel=suggestion.key_kind, external_id=suggestion.key_value)).external_id
            out.append(suggestion.model_copy(update={"customer_id": live.id, "other_id": other, "key_value": value}))
    return out


# ---------------------------------------------------------------- lookup (agent API: find by phone, email, channel id)

MAX_LOOKUP_RESULTS = 25  # the contact index's matches (MAX_CONTACT_MATCHES) plus the identities' owners, deduplicated
MAX_LOOKUP_ID = 512  # an external id longer than this is not one any channel gives
LOOKUP_PSEUDO_CHANNELS = (UNION, PHONE, EMAIL)


@dataclass(frozen=True)
class LookupKey:
    """What one exact-match lookup reads: identity items (pattern 9) and maybe a contact partition (17)."""

    identities: tuple[Identity, ...]
    contact: tuple[str, str] | None = None  # (phone|email, normalised value)

    def for_audit(self) -> dict[str, str]:
        """What was asked, as the audit trail keeps it: the kind of key (``phone``, ``email`` or ``channel``,
        with the channel's name) and the value masked, never whole (``masked_for_audit``)."""
        if self.contact is not None:
            kind, value = self.contact
            return {"key": kind, "value": masked_for_audit(Identity(channel=kind, external_id=value))}
        asked = self.identities[0]
        return {"key": "channel", "channel": asked.channel, "value": masked_for_audit(asked)}


def masked_for_audit(identity: Identity) -> str:
    """An identity's value as the audit trail may keep it: phone numbers and emails masked as every read masks
    them (``+86138****5678``, ``l***@example.com``); any other channel's id (a LINE or WeChat user id: one
    person's id too) cut to its first three and last two characters, so the trail holds no whole id."""
    if identity.channel in PHONE_ID_CHANNELS or identity.channel in EMAIL_ID_CHANNELS:
        return mask_identity(identity).external_id
    value = identity.external_id
    return f"{value[:3]}***{value[-2:]}" if len(value) > 8 else "***"


def _clean_text(value: str, name: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput(f"{name} is empty")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"{name} is not valid text") from None
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise InvalidInput(f"{name} holds control characters")
    return text


def lookup_key(
    *, phone: str | None = None, email: str | None = None, channel: str | None = None, external_id: str | None = None
) -> LookupKey:
    """The keys to read for ``?phone=``, ``?email=`` or ``?channel=&external_id=`` (exactly one of them).

    A phone number is normalised to E.164 and an email lower-cased and trimmed exactly as ingest does when it
    writes identities and contacts (``keys_of``); a channel id is the id as that channel stores it (email
    addresses lower-cased). Anything else is an InvalidInput naming what is expected."""
    asked = [name for name, value in (("phone", phone), ("email", email), ("channel", channel)) if value is not None]
    if external_id is not None and channel is None:
        raise InvalidInput("external_id goes with channel: give channel=<channel>&external_id=<the id on it>")
    if len(asked) != 1:
        given = f" (not {' and '.join(asked)} together)" if asked else ""
        raise InvalidInput(f"give exactly one of phone, email, or channel with external_id{given}")
    if phone is not None:
        number = to_e164(_clean_text(phone, "phone"))
        if number is None:
            raise InvalidInput(
                "phone is not a phone number that can be placed: give it with its country code (+44 20 7946 0958) "
                "or as an 11-digit Chinese mobile number"
            )
        # the proven key, and the numbers WhatsApp or Twilio senders are known by (a sender whose proven key was
        # claimed by somebody else keeps only those)
        held = (PHONE, "whatsapp", "twilio")
        identities = tuple(Identity(channel=c, external_id=number) for c in held)
        return LookupKey((*identities, Identity(channel="twilio", external_id="whatsapp:" + number)), (PHONE, number))
    if email is not None:
        address = _normal_email(_clean_text(email, "email"))
        if address is None:
            raise InvalidInput("email is not an email address (name@domain, at most 254 characters)")
        return LookupKey(tuple(Identity(channel=c, external_id=address) for c in (EMAIL, "form")), (EMAIL, address))
    if channel is None:  # not reached: exactly one was asked for
        raise InvalidInput("give exactly one of phone, email, or channel with external_id")
    from kefu.channels import module_names  # here: listing the channels is only needed by this lookup

    known = [*module_names(), *LOOKUP_PSEUDO_CHANNELS]
    if channel not in known:
        raise InvalidInput(f"unknown channel '{channel[:40]}'; known: {', '.join(sorted(set(known)))}")
    if external_id is None:
        raise InvalidInput(f"channel goes with external_id: the customer's id on {channel}")
    value = _clean_text(external_id, "external_id")
    if len(value) > MAX_LOOKUP_ID:
        raise InvalidInput(f"external_id is at most {MAX_LOOKUP_ID} characters")
    if channel in EMAIL_ID_CHANNELS:
        value = value.lower()
    return LookupKey((Identity(channel=channel, external_id=value),))


def find_customers(store: Store, caller: Caller, key: LookupKey, request_id: str | None = None) -> list[Customer]:
    """The customers an exact key leads to, masked as every read (``visible``): whoever holds the identities
    (the customer who proved the number or address, or is known by that id on a channel) first, then whoever
    typed it (the contact index). A merged-away customer answers as the customer it went into; each customer
    once. Key reads only: one batch of identity items, one query of one contact partition, one batch of
    profiles (plus a read per merge hop).

    Every role may look up, and every lookup is audited: it tells whether a phone number or an address belongs
    to a customer, so one ``customer.looked_up`` entry (who, which kind of key, the value masked, how many were
    found and which, which request) is written before the answer is returned; no entry, no answer."""
    owners = store.table.read([store.customers.identity_read(i) for i in key.identities])
    ids = [owner for owner in owners if owner]
    if key.contact is not None:
        ids.extend(store.customers.with_contact(*key.contact))
    unique = list(dict.fromkeys(ids))[:MAX_LOOKUP_RESULTS]
    profiles: list[Customer | None] = store.table.read([store.customers.profile_read(cid) for cid in unique])
    out: list[Customer] = []
    seen: set[str] = set()
    for profile in profiles:
        if profile is None:
            continue
        live: Customer | None = profile
        if profile.merged_into:
            try:
                live = current_customer(store, profile.merged_into)
            except (NotFound, Conflict):
                live = None
        if live is None or live.id in seen:
            continue
        seen.add(live.id)
        out.append(visible(live))
    _audit_lookup(store, caller, key, out, request_id)
    return out


def _audit_lookup(store: Store, caller: Caller, key: LookupKey, found: list[Customer], request_id: str | None) -> None:
    asked = key.for_audit()
    entry = AuditEntry(
        id=new_id(),
        actor_id=caller.id,
        actor_email=caller.email,
        action="customer.looked_up",
        target=f"customer_lookup:{asked['key']}",
        details={
            **asked,
            "results": len(found),
            "customer_ids": [c.id for c in found],
            "request_id": request_id,
            "correlation_id": current_correlation_id(),
        },
        created_at=now_iso(),
    )
    store.audit.put(entry)
    decided(
        "customer_lookup",
        "found" if found else "none",
        key=asked["key"],
        channel=asked.get("channel"),
        results=len(found),
        actor_id=caller.id,
        audit_id=entry.id,
    )


# ---------------------------------------------------------------- reveal (the reveal permission; audited)

REVEALABLE = ("phone", "email", "identities")
MAX_REVEALS_PER_HOUR = 60  # per user, counted with the audit entry (pattern 62); the 61st in an hour is a 429


@dataclass(frozen=True)
class Revealed:
    """What one reveal showed: only the fields asked for are set; ``audit_id`` names its audit entry."""

    customer_id: str
    fields: tuple[str, ...]
    phone: str | None
    email: str | None
    identities: list[Identity] | None
    audit_id: str
    revealed_at: str


def reveal(
    store: Store, caller: Caller, customer_id: str, fields: list[str], reason: str, request_id: str | None
) -> Revealed:
    """The whole phone number, email or identities of one customer, for a caller with the reveal permission,
    with a reason. Exactly one audit entry (who, when, which customer, which fields, why, which request) is
    written with the caller's hourly reveal counter, before anything is shown; the values never go to a log."""
    caller.require_permission(REVEAL_CONTACTS)
    asked = tuple(dict.fromkeys(fields))
    unknown = [f for f in asked if f not in REVEALABLE]
    if not asked or unknown:
        raise InvalidInput(f"fields must be one or more of {', '.join(REVEALABLE)}; not {', '.join(unknown) or 'none'}")
    why = reason.strip()
    if not why or len(why) > MAX_REASON:
        raise InvalidInput(f"reason must be 1 to {MAX_REASON} characters")
    customer = store.customers.get(customer_id)  # the record the profile shows (a tombstone too)
    stamp = now_iso()
    entry = AuditEntry(
        id=new_id(),
        actor_id=caller.id,
        actor_email=caller.email,
        action="customer.contacts_revealed",
        target=f"customer:{customer.id}",
        details={
            "customer_id": customer.id,
            "fields": list(asked),
            "reason": why,
            "request_id": request_id,
            "correlation_id": current_correlation_id(),
        },
        created_at=stamp,
    )
    hour = stamp[:13]
    store.audit.put_reveal(
        entry,
        hour=hour,
        limit=MAX_REVEALS_PER_HOUR,
        refused=TooManyRequests(
            f"at most {MAX_REVEALS_PER_HOUR} reveals an hour per user; nothing was revealed, try again next hour"
        ),
    )
    count("ContactsRevealed", None)
    decided(
        "customer_reveal",
        "revealed",
        customer_id=customer.id,
        fields=list(asked),
        actor_id=caller.id,
        audit_id=entry.id,
        reveals_this_hour=store.audit.reveals(hour, caller.id),
    )
    return Revealed(
        customer_id=customer.id,
        fields=asked,
        phone=customer.phone if "phone" in asked else None,
        email=customer.email if "email" in asked else None,
        identities=list(customer.identities) if "identities" in asked else None,
        audit_id=entry.id,
        revealed_at=stamp,
    )


# ---------------------------------------------------------------- merge and unmerge (supervisors, admins)


def merge(store: Store, caller: Caller, source_id: str, target_id: str, reason: str) -> CustomerMerge:
    """Source's identities move to target; source stays as a tombstone (its tickets keep its id)."""
    caller.require("supervisor", "admin")
    why = reason.strip()
    if not why or len(why) > MAX_REASON:
        raise InvalidInput(f"reason must be 1 to {MAX_REASON} characters")
    if source_id == target_id:
        raise Conflict("a customer cannot be merged into itself")
    source = store.customers.get(source_id)
    target = store.customers.get(target_id)
    for customer in (source, target):
        if customer.merged_into:
            raise Conflict(f"customer '{customer.id}' is already merged into '{customer.merged_into}'")
    if len(source.identities) > MAX_MERGE_IDENTITIES:
        raise Conflict(
            f"customer '{source.id}' has {len(source.identities)} identities; one merge moves at most "
            f"{MAX_MERGE_IDENTITIES} in a single transaction, so nothing was merged"
        )
    stamp = now_iso()
    record = CustomerMerge(
        id=new_id(),
        source_id=source.id,
        target_id=target.id,
        identities=source.identities,
        reason=why,
        actor_id=caller.id,
        actor_email=caller.email,
        created_at=stamp,
    )
    audit = _audit(caller, "customer.merged", record, stamp)
    store.customers.merge(source, target, record, audit)
    decided("customer_merge", "merged", merge_id=record.id, source_id=source.id, target_id=target.id)
    return record


def unmerge(store: Store, caller: Caller, merge_id: str) -> CustomerMerge:
    """Undo exactly one merge: the identities that moved go back and the source lives again."""
    caller.require("supervisor", "admin")
    record = store.customers.get_merge(merge_id)
    if record.undone_at:
        raise Conflict(f"merge '{merge_id}' was already undone at {record.undone_at}")
    source = store.customers.get(record.source_id)
    target = store.customers.get(record.target_id)
    if source.merge_id != record.id:
        raise Conflict(f"customer '{source.id}' is not merged by '{merge_id}'")
    if target.merged_into:
        raise Conflict(
            f"customer '{target.id}' was merged into '{target.merged_into}' afterwards; undo that merge first"
        )
    stamp = now_iso()
    audit = _audit(caller, "customer.unmerged", record, stamp)
    store.customers.unmerge(record, source, target, audit, caller.id)
    decided("customer_merge", "unmerged", merge_id=record.id, source_id=source.id, target_id=target.id)
    return record.model_copy(update={"undone_at": stamp, "undone_by": caller.id})


SEGMENT_ATTEMPTS = 5


def set_segment(
    store: Store,
    caller: Caller,
    customer_id: str,
    *,
    tier: Tier | None,
    organization: str | None,
    clear_organization: bool,
) -> Customer:
    """A customer's tier and organization (supervisor or admin). Routing reads them into each new ticket, and
    the customer's open tickets take the new tier at once (their SLA due times and queue places follow)."""
    caller.require("supervisor", "admin")
    if organization is not None:
        identifiers.check(organization, identifiers.TEAM, "organization")

    def attempt() -> Customer:
        customer = current_customer(store, customer_id)
        new_tier = tier or customer.tier
        new_organization = None if clear_organization else (organization or customer.organization)
        if (new_tier, new_organization) == (customer.tier, customer.organization):
            return customer
        updated = store.customers.set_segment(customer, new_tier, new_organization, now_iso())
        decided("customer_segment", "changed", customer_id=customer.id, tier=new_tier.value)
        return updated

    updated = retry_on_concurrent_update(attempt, SEGMENT_ATTEMPTS)
    from kefu.services import tickets  # imported here: tickets builds on this module

    tickets.follow_customer_tier(store, caller, updated)
    return updated


def _audit(caller: Caller, action: str, record: CustomerMerge, stamp: str) -> AuditEntry:
    # channels and a count, not the identities: the audit trail should not become a copy of personal data
    return AuditEntry(
        id=new_id(),
        actor_id=caller.id,
        actor_email=caller.email,
        action=action,
        target=record.target_id,
        details={
            "merge_id": record.id,
            "source_id": record.source_id,
            "target_id": record.target_id,
            "reason": record.reason,
            "identity_count": len(record.identities),
            "channels": sorted({i.channel for i in record.identities}),
        },
        created_at=stamp,
    )
