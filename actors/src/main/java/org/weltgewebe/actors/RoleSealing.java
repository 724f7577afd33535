package org.weltgewebe.actors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.persistence.typed.EventAdapter;
import org.apache.pekko.persistence.typed.EventSeq;
import org.apache.pekko.persistence.typed.SnapshotAdapter;

/**
 * How a role's personal fields reach storage: sealed with the role's own key ({@link SubjectCipher}).
 * The role works with plain events and state; this adapter turns {@link Role.Registered} and {@link
 * Role.ProfileUpdated} into their sealed journal forms on the way to the journal (and so to
 * JetStream, which carries the journal's bytes), and every snapshot that holds personal data into a
 * {@link SealedSnapshot}. On the way back it opens them; once the role was forgotten its key is gone
 * and the fields come back blank ({@link #FORGOTTEN}), while the public, pseudonymous rest (ids,
 * blurred position, times) stays, so the role's threads remain as anonymous traces.
 */
public final class RoleSealing {
  /** What a forgotten role's display name and address read as. */
  public static final String FORGOTTEN = "";

  private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule());

  /** The journal forms of a role's events and snapshots that hold personal data. */
  public sealed interface Journal extends WeaveSerializable
      permits SealedRegistered, SealedProfileUpdated, SealedSnapshot {}

  /** {@link Role.Registered} as stored: display name, address and exact home sealed. */
  public record SealedRegistered(String roleId, GeoPoint publicLocation, SealedPayload identity, Instant at)
      implements Journal {}

  /** {@link Role.ProfileUpdated} as stored: goods and skills sealed. */
  public record SealedProfileUpdated(SealedPayload offers, Instant at) implements Journal {}

  /** A snapshot of a role with personal data, sealed whole; {@code stateType} says which state. */
  public record SealedSnapshot(String stateType, SealedPayload state) implements Journal {}

  /** The sealed content of a registration. */
  record Identity(String displayName, String homeAddress, GeoPoint home) {}

  /** The sealed content of a profile change. */
  record Offers(List<String> goods, List<String> skills) {}

  private RoleSealing() {}

  /** The event adapter of the role {@code roleId}. */
  static EventAdapter<Role.Event, WeaveSerializable> events(String roleId, SubjectCipher cipher) {
    return new EventAdapter<>() {
      @Override
      public WeaveSerializable toJournal(Role.Event event) {
        if (event instanceof Role.Registered r) {
          Identity identity = new Identity(r.displayName(), r.personal().homeAddress(), r.personal().home());
          return new SealedRegistered(r.roleId(), r.publicLocation(), cipher.seal(roleId, write(identity)), r.at());
        }
        if (event instanceof Role.ProfileUpdated p) {
          return new SealedProfileUpdated(cipher.seal(roleId, write(new Offers(p.goods(), p.skills()))), p.at());
        }
        return event;
      }

      @Override
      public String manifest(Role.Event event) {
        return "";
      }

      @Override
      public EventSeq<Role.Event> fromJournal(WeaveSerializable stored, String manifest) {
        Object event = open(stored, cipher);
        if (!(event instanceof Role.Event roleEvent)) {
          throw new IllegalStateException("not a role event in the journal: " + stored.getClass().getName());
        }
        return EventSeq.single(roleEvent);
      }
    };
  }

  /** The snapshot adapter of the role {@code roleId}. */
  static SnapshotAdapter<Role.State> snapshots(String roleId, SubjectCipher cipher) {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(Role.State state) {
        if (state instanceof Role.RegisteredRole || state instanceof Role.LeftRole) {
          return new SealedSnapshot(state.getClass().getSimpleName(), cipher.seal(roleId, write(state)));
        }
        return state;
      }

      @Override
      public Role.State fromJournal(Object stored) {
        if (!(stored instanceof SealedSnapshot sealed)) {
          return (Role.State) stored;
        }
        Class<? extends Role.State> type =
            sealed.stateType().equals("LeftRole") ? Role.LeftRole.class : Role.RegisteredRole.class;
        Optional<byte[]> plain = cipher.open(sealed.state());
        if (plain.isPresent()) {
          return read(plain.get(), type);
        }
        // Forgotten: the Forgotten event after this snapshot takes the role to ForgottenRole.
        Role.PublicPart blank = new Role.PublicPart(
            FORGOTTEN, new GeoPoint(0, 0), List.of(), List.of(), false, Instant.EPOCH, Instant.EPOCH);
        return type == Role.LeftRole.class
            ? new Role.LeftRole(blank, Role.PersonalData.FORGOTTEN, Instant.EPOCH)
            : new Role.RegisteredRole(blank, Role.PersonalData.FORGOTTEN);
      }
    };
  }

  /**
   * The domain form of a stored role event: a sealed one opened (blank once forgotten), any other
   * object unchanged. For every reader of the journal or the stream that needs the fields (the
   * read-model consumer, the data export).
   */
  public static Object open(Object stored, SubjectCipher cipher) {
    if (stored instanceof SealedRegistered s) {
      Identity identity = cipher.open(s.identity()).map(b -> read(b, Identity.class))
          .orElse(new Identity(FORGOTTEN, FORGOTTEN, null));
      Role.PersonalData personal = identity.home() == null
          ? Role.PersonalData.FORGOTTEN
          : new Role.PersonalData(identity.homeAddress(), identity.home());
      return new Role.Registered(s.roleId(), identity.displayName(), personal, s.publicLocation(), s.at());
    }
    if (stored instanceof SealedProfileUpdated s) {
      Offers offers = cipher.open(s.offers()).map(b -> read(b, Offers.class)).orElse(new Offers(List.of(), List.of()));
      return new Role.ProfileUpdated(offers.goods(), offers.skills(), s.at());
    }
    return stored;
  }

  private static byte[] write(Object value) {
    try {
      return JSON.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " for sealing", e);
    }
  }

  private static <T> T read(byte[] bytes, Class<T> type) {
    try {
      return JSON.readValue(bytes, type);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read a sealed " + type.getSimpleName(), e);
    }
  }
}
