package org.weltgewebe.actors;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every field the platform stores, classified in one place: each component of every event and
 * entity state (what the journal and the snapshots hold) and each column of every read model.
 * {@code PersonalDataCatalogueTest} fails when an event or state gains a field that is not listed
 * here, and a persistence test does the same for a read-model column, so a new field cannot reach
 * storage without someone deciding what it is.
 *
 * <p>The classes, and what they oblige (docs/privacy.md gives the reasons per field):
 *
 * <ul>
 *   <li>{@link DataClass#PUBLIC}: meant for everyone, or a pseudonymous id (a role id is a random
 *       UUID that says nothing about the person once its personal data is gone). Stored in clear.
 *   <li>{@link DataClass#PERSONAL}: says something about an identifiable person (the display name,
 *       the goods and skills a person offers). Shown publicly while the role exists, but in the
 *       journal and snapshots only sealed with the subject's key; gone when the subject is forgotten.
 *   <li>{@link DataClass#SENSITIVE}: locates or identifies the person physically (home address, exact
 *       home). Sealed like personal data, shown to nobody but the owner, never in a read model.
 * </ul>
 */
public final class PersonalDataCatalogue {

  /** How much a stored field says about a person. */
  public enum DataClass {
    PUBLIC,
    PERSONAL,
    SENSITIVE
  }

  private static final Map<String, DataClass> RECORD_FIELDS = new LinkedHashMap<>();
  private static final Map<String, DataClass> COLUMNS = new LinkedHashMap<>();

  static {
    // ------------------------------------------------------------ roles
    fields(Role.Registered.class).pub("roleId", "publicLocation", "at")
        .personal("displayName").sensitive("personal");
    fields(Role.LoggedIn.class).pub("at");
    fields(Role.LoggedOut.class).pub("at");
    fields(Role.ProfileUpdated.class).pub("at").personal("goods", "skills");
    fields(Role.PersonalData.class).sensitive("homeAddress", "home");
    fields(Role.RegisteredRole.class).personal("publicPart").sensitive("personal");
    fields(Role.PublicPart.class)
        .pub("publicLocation", "spinning", "registeredAt", "lastSeenAt")
        .personal("displayName", "goods", "skills");
    fields(Role.Unregistered.class);
    fields(Role.Left.class).pub("at");
    fields(Role.Forgotten.class).pub("at");
    fields(Role.ForgottenRole.class).pub("forgottenAt");
    // The journal forms (RoleSealing): personal fields only as ciphertext under the role's key.
    fields(RoleSealing.SealedRegistered.class).pub("roleId", "publicLocation", "at").personal("identity");
    fields(RoleSealing.SealedProfileUpdated.class).pub("at").personal("offers");
    fields(RoleSealing.SealedSnapshot.class).pub("stateType").personal("state");
    // Ciphertext is still personal data while its key exists (GDPR recital 26), and none after.
    fields(SealedPayload.class).pub("subject", "nonce").personal("ciphertext");
    fields(Role.LeftRole.class).pub("leftAt").personal("publicPart").sensitive("personal");

    // ------------------------------------------------------------ knots: public by purpose
    fields(Knot.Created.class).pub(
        "knotId", "createdBy", "type", "title", "description", "location", "eventStart", "eventEnd", "at");
    fields(Knot.ThreadLed.class).pub("threadId", "roleId", "threadKind", "connection", "at");
    fields(Knot.YarnAttached.class).pub("threadId", "at");
    fields(Knot.YarnDetached.class).pub("threadId", "at");
    fields(Knot.Dissolved.class).pub("reason", "at");
    fields(Knot.Untied.class);
    fields(Knot.Standing.class).pub("tied", "lastThreadAt", "threadIds", "connections", "yarnThreadIds");
    fields(Knot.Gone.class).pub("knot", "reason", "at");

    // ------------------------------------------------------------ threads: anonymous traces
    fields(WeaveThread.Spun.class).pub("threadId", "roleId", "knotId", "kind", "knotLocation", "at");
    fields(WeaveThread.Twisted.class).pub("roleId", "at");
    fields(WeaveThread.Untwisted.class).pub("roleId", "at");
    fields(WeaveThread.Unspun.class);
    fields(WeaveThread.SpunThread.class).pub(
        "threadId", "roleId", "knotId", "kind", "knotLocation", "spunAt", "yarn", "fadeFrom");

    // ------------------------------------------------------------ conversations: public posts
    fields(Conversation.Started.class).pub("conversationId", "knotId", "roleId", "title", "first", "at");
    fields(Conversation.Posted.class).pub("message");
    fields(Conversation.Message.class).pub("messageId", "roleId", "text", "at");
    fields(Conversation.Unstarted.class);
    fields(Conversation.Open.class).pub(
        "conversationId", "knotId", "title", "startedBy", "startedAt", "messages");

    // ------------------------------------------------------------ proposals, votes, delegations,
    // community accounts: civic acts on a public map, public by purpose; roles appear by their
    // pseudonymous ids only (a donor who wants to stay anonymous gives without a role id).
    fields(Proposal.Terms.class).pub("proposalId", "knotId", "cell", "knotLocation", "proposedBy", "title", "text",
        "payout", "proposedAt");
    fields(Proposal.Payout.class).pub("amountCents", "recipientRoleId");
    fields(Proposal.Proposed.class).pub("terms", "deadline");
    fields(Proposal.Objected.class).pub("roleId", "deadline", "at");
    fields(Proposal.VoteCast.class).pub("roleId", "choice", "at");
    fields(Proposal.PassedWithoutObjection.class).pub("at");
    fields(Proposal.Tallied.class).pub("tally", "at");
    fields(Proposal.PaidOut.class).pub("at");
    fields(Proposal.PayoutRefused.class).pub("reason", "at");
    fields(Proposal.Unproposed.class);
    fields(Proposal.Objectable.class).pub("terms", "deadline");
    fields(Proposal.Voting.class).pub("terms", "deadline", "objectedBy", "votes");
    fields(Proposal.Closed.class).pub("terms", "deadline", "objectedBy", "outcome", "tally", "closedAt", "payoutStatus",
        "payoutRefusal");
    fields(VoteTally.class).pub("yes", "no", "abstain", "counted", "uncounted");
    fields(VoteTally.Counted.class).pub("roleId", "choice", "through");
    fields(Delegations.Delegated.class).pub("from", "to", "at");
    fields(Delegations.Revoked.class).pub("from", "reason", "at");
    fields(Delegations.ActivityNoted.class).pub("roleId", "at");
    fields(CommunityAccount.Donated.class).pub("donationId", "donorRoleId", "amountCents", "at");
    fields(CommunityAccount.PaidOut.class).pub("proposalId", "recipientRoleId", "amountCents", "at");

    // ------------------------------------------------------------ values
    // A coordinate's class is the class of the field that holds it (a home is SENSITIVE).
    fields(GeoPoint.class).pub("lat", "lon");

    // ------------------------------------------------------------ read models (V3, V4, later)
    columns("rm_applied_event").pub("consumer", "persistence_id", "sequence_nr", "applied_at");
    columns("rm_knot").pub(
        "knot_id", "type", "title", "description", "lat", "lon", "cell", "created_by", "created_at",
        "event_start", "event_end", "last_thread_at", "thread_count", "yarn_count", "dissolves_at",
        "dissolved_at", "search_vector", "search_text");
    columns("rm_thread").pub(
        "thread_id", "role_id", "knot_id", "kind", "lat", "lon", "cell", "spun_at", "yarn", "fade_from");
    columns("rm_conversation").pub(
        "conversation_id", "knot_id", "title", "started_by", "started_at", "comment_count", "last_activity");
    columns("rm_proposal").pub("proposal_id", "knot_id", "cell", "proposed_by", "title", "phase", "proposed_at",
        "deadline", "objected_by", "votes_cast", "outcome", "yes", "no", "abstain", "participants", "closed_at",
        "payout_cents", "payout_status");
    columns("rm_proposal_vote").pub("proposal_id", "role_id", "choice", "cast_at");
    columns("rm_delegation").pub("cell", "delegator", "delegate", "since", "last_active_at");
    columns("rm_account").pub("knot_id", "balance_cents", "movements", "updated_at");
    columns("rm_ledger").pub("knot_id", "entry_no", "kind", "amount_cents", "role_id", "reference", "at");
    // lat/lon are the blurred position (the centre of the home's H3 resolution-8 cell), public by design.
    columns("rm_role").pub("role_id", "lat", "lon", "cell", "spinning", "registered_at", "left_at")
        .personal("display_name", "goods", "skills", "search_vector", "search_text");
  }

  private PersonalDataCatalogue() {}

  /** The class of component {@code component} of the record type {@code type}, if classified. */
  public static Optional<DataClass> field(Class<?> type, String component) {
    return Optional.ofNullable(RECORD_FIELDS.get(key(type, component)));
  }

  /** Whether the record type is listed at all (a record without components is listed empty). */
  public static boolean lists(Class<?> type) {
    return RECORD_FIELDS.containsKey(key(type, ""));
  }

  /** The class of a read-model column, if classified. */
  public static Optional<DataClass> column(String table, String column) {
    return Optional.ofNullable(COLUMNS.get(table + "." + column));
  }

  /** The columns of {@code table} holding personal or sensitive data: what forgetting must clear. */
  public static Set<String> personalColumns(String table) {
    Set<String> personal = new TreeSet<>();
    COLUMNS.forEach((name, dataClass) -> {
      if (dataClass != DataClass.PUBLIC && name.startsWith(table + ".")) {
        personal.add(name.substring(table.length() + 1));
      }
    });
    return Collections.unmodifiableSet(personal);
  }

  /** Every classified read-model column as {@code table.column}, for documentation and tests. */
  public static Map<String, DataClass> columns() {
    return Collections.unmodifiableMap(COLUMNS);
  }

  /** Every classified record component as {@code Type.Nested.component}. */
  public static Map<String, DataClass> fields() {
    Map<String, DataClass> listed = new LinkedHashMap<>();
    RECORD_FIELDS.forEach((name, dataClass) -> {
      if (!name.endsWith(".")) {
        listed.put(name, dataClass);
      }
    });
    return Collections.unmodifiableMap(listed);
  }

  /** {@code Role.Registered} for the nested record {@code org.weltgewebe.actors.Role$Registered}. */
  public static String typeName(Class<?> type) {
    String name = type.getName();
    return name.substring(name.lastIndexOf('.') + 1).replace('$', '.');
  }

  private static String key(Class<?> type, String component) {
    return typeName(type) + "." + component;
  }

  private static Classifier fields(Class<? extends Record> type) {
    RECORD_FIELDS.put(key(type, ""), DataClass.PUBLIC);
    return new Classifier(typeName(type), RECORD_FIELDS);
  }

  private static Classifier columns(String table) {
    return new Classifier(table, COLUMNS);
  }

  /** Adds the names of one record type or table to a map, class by class. */
  private static final class Classifier {
    private final String owner;
    private final Map<String, DataClass> into;

    Classifier(String owner, Map<String, DataClass> into) {
      this.owner = owner;
      this.into = into;
    }

    Classifier pub(String... names) {
      return put(DataClass.PUBLIC, names);
    }

    Classifier personal(String... names) {
      return put(DataClass.PERSONAL, names);
    }

    Classifier sensitive(String... names) {
      return put(DataClass.SENSITIVE, names);
    }

    private Classifier put(DataClass dataClass, String... names) {
      for (String name : names) {
        if (into.put(owner + "." + name, dataClass) != null) {
          throw new IllegalStateException(owner + "." + name + " is classified twice");
        }
      }
      return this;
    }
  }
}
