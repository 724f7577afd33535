package org.weltgewebe.persistence.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PgOutputTest {

  @Test
  void decodesATransactionWithOneInsert() throws IOException {
    PgOutput decoder = new PgOutput();
    assertThat(decoder.decode(message(out -> {
      out.writeByte('B');
      out.writeLong(0x16B3748L);
      out.writeLong(1_000_000L);
      out.writeInt(742);
    }))).isEqualTo(new PgOutput.Begin(0x16B3748L, 1_000_000L, 742));
    assertThat(decoder.decode(message(out -> {
      out.writeByte('R');
      out.writeInt(16384);
      cstring(out, "public");
      cstring(out, "event_journal");
      out.writeByte('d');
      out.writeShort(3);
      for (String column : new String[] {"persistence_id", "write_timestamp", "event_payload"}) {
        out.writeByte(0);
        cstring(out, column);
        out.writeInt(25);
        out.writeInt(-1);
      }
    }))).isInstanceOf(PgOutput.Other.class);
    PgOutput.Message insert = decoder.decode(message(out -> {
      out.writeByte('I');
      out.writeInt(16384);
      out.writeByte('N');
      out.writeShort(3);
      text(out, "knot|ä1");
      out.writeByte('n');
      text(out, "\\x00ff7f");
    }));
    assertThat(insert).isInstanceOf(PgOutput.Insert.class);
    PgOutput.Insert row = (PgOutput.Insert) insert;
    assertThat(row.value("persistence_id")).isEqualTo("knot|ä1");
    assertThat(row.value("write_timestamp")).isNull();
    assertThat(PgOutput.bytea(row.value("event_payload"))).containsExactly(0x00, 0xFF, 0x7F);
    assertThat(decoder.decode(message(out -> {
      out.writeByte('C');
      out.writeByte(0);
      out.writeLong(10);
      out.writeLong(20);
      out.writeLong(30);
    }))).isEqualTo(new PgOutput.Commit(10, 20, 30));
  }

  @Test
  void refusesWhatTheOutboxPublicationMustNotSend() {
    PgOutput decoder = new PgOutput();
    assertThatThrownBy(() -> decoder.decode(ByteBuffer.wrap(new byte[] {'D', 0, 0, 0, 1})))
        .hasMessageContaining("publish inserts only");
    assertThatThrownBy(() -> PgOutput.bytea("\\001\\377")).hasMessageContaining("escape format");
  }

  private interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  private static ByteBuffer message(Writer writer) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      writer.write(out);
    }
    return ByteBuffer.wrap(bytes.toByteArray());
  }

  private static void cstring(DataOutputStream out, String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.UTF_8));
    out.writeByte(0);
  }

  private static void text(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeByte('t');
    out.writeInt(b.length);
    out.write(b);
  }
}
