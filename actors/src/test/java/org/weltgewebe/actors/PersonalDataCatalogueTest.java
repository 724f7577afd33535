package org.weltgewebe.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Holds {@link PersonalDataCatalogue} to the code: every component of every event and state record
 * of every entity (found by reflection over the compiled domain, so a new entity is covered without
 * being named here), and of every record those hold, is classified; and nothing is classified that
 * no longer exists.
 */
class PersonalDataCatalogueTest {

  @Test
  void everyFieldOfEveryEventAndStateIsClassified() throws Exception {
    Set<Class<?>> stored = storedRecords();
    // The domain has at least the four event-sourced entities' events and states.
    assertTrue(stored.contains(Role.Registered.class) && stored.contains(Knot.Standing.class)
        && stored.contains(Conversation.Message.class), "scan found " + stored);
    List<String> unclassified = new ArrayList<>();
    for (Class<?> type : stored) {
      if (!PersonalDataCatalogue.lists(type)) {
        unclassified.add(PersonalDataCatalogue.typeName(type) + " (the whole record)");
        continue;
      }
      for (RecordComponent component : type.getRecordComponents()) {
        if (PersonalDataCatalogue.field(type, component.getName()).isEmpty()) {
          unclassified.add(PersonalDataCatalogue.typeName(type) + "." + component.getName());
        }
      }
    }
    assertEquals(List.of(), unclassified,
        "classify these in PersonalDataCatalogue (public, personal or sensitive) and say why in docs/privacy.md");
  }

  @Test
  void theCatalogueNamesNoFieldThatIsGone() throws Exception {
    Set<String> existing = new TreeSet<>();
    for (Class<?> type : storedRecords()) {
      for (RecordComponent component : type.getRecordComponents()) {
        existing.add(PersonalDataCatalogue.typeName(type) + "." + component.getName());
      }
    }
    Set<String> stale = new TreeSet<>(PersonalDataCatalogue.fields().keySet());
    stale.removeAll(existing);
    assertEquals(Set.of(), stale, "these catalogue entries name no field of a stored record");
  }

  @Test
  void theHomeIsSensitiveAndTheNamePersonal() {
    assertEquals(PersonalDataCatalogue.DataClass.SENSITIVE,
        PersonalDataCatalogue.field(Role.PersonalData.class, "homeAddress").orElseThrow());
    assertEquals(PersonalDataCatalogue.DataClass.PERSONAL,
        PersonalDataCatalogue.field(Role.Registered.class, "displayName").orElseThrow());
    assertEquals(Set.of("display_name", "goods", "search_text", "search_vector", "skills"),
        PersonalDataCatalogue.personalColumns("rm_role"));
  }

  /**
   * The records the journal and snapshots hold: every record that implements an entity's nested
   * {@code Event} or {@code State} interface or a nested {@code Journal} interface of stored forms, and every record reachable from their components.
   */
  static Set<Class<?>> storedRecords() throws IOException, URISyntaxException, ClassNotFoundException {
    Path root = Path.of(PersonalDataCatalogue.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Deque<Class<?>> pending = new ArrayDeque<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
        String name = root.relativize(file).toString().replace('/', '.').replace(".class", "");
        Class<?> type = Class.forName(name, false, PersonalDataCatalogue.class.getClassLoader());
        if (type.isRecord() && isEventOrState(type)) {
          pending.add(type);
        }
      }
    }
    Set<Class<?>> found = new LinkedHashSet<>();
    while (!pending.isEmpty()) {
      Class<?> type = pending.pop();
      if (!found.add(type)) {
        continue;
      }
      for (RecordComponent component : type.getRecordComponents()) {
        for (Class<?> held : heldTypes(component.getGenericType())) {
          if (held.isRecord() && held.getName().startsWith("org.weltgewebe.")) {
            pending.add(held);
          }
        }
      }
    }
    return found;
  }

  private static boolean isEventOrState(Class<?> type) {
    Deque<Class<?>> interfaces = new ArrayDeque<>(Arrays.asList(type.getInterfaces()));
    while (!interfaces.isEmpty()) {
      Class<?> candidate = interfaces.pop();
      String simple = candidate.getSimpleName();
      if (candidate.getEnclosingClass() != null && (simple.equals("Event") || simple.equals("State") || simple.equals("Journal"))) {
        return true;
      }
      interfaces.addAll(Arrays.asList(candidate.getInterfaces()));
    }
    return false;
  }

  /** The classes a component's type holds: itself, and its type arguments (a List of records). */
  private static List<Class<?>> heldTypes(Type type) {
    List<Class<?>> held = new ArrayList<>();
    if (type instanceof Class<?> plain) {
      held.add(plain);
    } else if (type instanceof ParameterizedType parameterized) {
      for (Type argument : parameterized.getActualTypeArguments()) {
        held.addAll(heldTypes(argument));
      }
    }
    return held;
  }
}
