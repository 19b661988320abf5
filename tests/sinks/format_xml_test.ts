import assert from "node:assert/strict";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { escapeXml, xmlFormat } from "../../src/sinks/format_xml.ts";
import type { Batch } from "../../src/sinks/sink.ts";
import { trickyBatch } from "../helpers/tricky_batch.ts";

interface XmlElement {
  position: string;
  path: string;
  timestamp?: string;
  previous?: string;
  current?: string;
}

interface XmlNotification {
  id: string;
  type: string;
  duns: string;
  delivery_timestamp: string;
  element?: XmlElement[];
  raw_json: string;
}

interface XmlDocument {
  "?xml": { version: string; encoding: string };
  notifications: {
    registration: string;
    sequence: string;
    pulled_at: string;
    count: string;
    notification?: XmlNotification[];
  };
}

function encodeText(batch: Batch): string {
  return new TextDecoder().decode(xmlFormat.encode(batch, { storageType: "local_file" }));
}

function parse(text: string): XmlDocument {
  assert.equal(XMLValidator.validate(text), true);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "",
    parseTagValue: false,
    parseAttributeValue: false,
    // JSON text never starts or ends with white space, so trimming only drops indentation.
    trimValues: true,
    htmlEntities: true,
    isArray: (name) => name === "notification" || name === "element",
    // CDATA is read as the element's text; untrimmed so that raw_json reads back byte for byte.
    tagValueProcessor: (_name, value) => value,
  });
  return parser.parse(text);
}

Deno.test("xml: well-formed, with a declaration and the batch on the root", () => {
  const text = encodeText(trickyBatch());
  assert.ok(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<notifications '));
  const document = parse(text);
  assert.deepEqual(document["?xml"], { version: "1.0", encoding: "UTF-8" });
  const { notification: _, ...root } = document.notifications;
  assert.deepEqual(root, {
    registration: "ACME_PULL_01",
    sequence: "7",
    pulled_at: "2024-02-25T16:21:08.123Z",
    count: "4",
  });
  assert.equal(xmlFormat.extension, "xml");
});

Deno.test("xml: every notification and element reads back to the batch exactly", () => {
  const batch = trickyBatch();
  const written = parse(encodeText(batch)).notifications.notification ?? [];
  assert.equal(written.length, batch.notifications.length);
  written.forEach((notification, i) => {
    const { id, notification: expected } = batch.notifications[i];
    assert.equal(notification.id, id);
    assert.equal(notification.type, expected.type);
    assert.equal(notification.duns, expected.organization.duns);
    assert.equal(notification.delivery_timestamp, expected.deliveryTimeStamp);
    const elements = (notification.element ?? []).map((element) => {
      const out: Record<string, unknown> = { element: element.path };
      if (element.previous !== undefined) out.previous = JSON.parse(element.previous);
      if (element.current !== undefined) out.current = JSON.parse(element.current);
      if (element.timestamp !== undefined) out.timestamp = element.timestamp;
      assert.equal(typeof element.position, "string");
      return out;
    });
    const wanted = (expected.elements ?? []).map((element) => {
      const out: Record<string, unknown> = { element: element.element };
      if ("previous" in element) out.previous = element.previous;
      if ("current" in element) out.current = element.current;
      // A null timestamp has no attribute, like a missing one.
      if (typeof element.timestamp === "string") out.timestamp = element.timestamp;
      return out;
    });
    assert.deepEqual(elements, wanted);
    assert.deepEqual(
      (notification.element ?? []).map((element) => element.position),
      wanted.map((_, position) => String(position)),
    );
  });
});

Deno.test("xml: markup characters in attributes and values are escaped, not interpreted", () => {
  const text = encodeText(trickyBatch());
  assert.match(text, /path="organization\.weird&lt;&amp;&gt;&quot;&apos;&#9;path,x"/);
  assert.ok(!text.replace(/<!\[CDATA\[.*?\]\]>/gs, "").includes("<&>"));
  const second = parse(text).notifications.notification![1];
  assert.equal(second.element![6].path, "organization.weird<&>\"'\tpath,x");
  assert.equal(JSON.parse(second.element![0].current!), "Ünïcødé 😀 <&> 'x' \r\n\ttab");
});

Deno.test("xml: characters XML 1.0 forbids never reach the file", () => {
  const batch = trickyBatch();
  batch.notifications[1].notification.elements[0].element = "bad\u0001path\uFFFF\uD800";
  const text = encodeText(batch);
  const forbidden = [...text].filter((char) => {
    const code = char.codePointAt(0)!;
    return (code < 0x20 && !"\t\n\r".includes(char)) || code === 0xfffe || code === 0xffff ||
      (code >= 0xd800 && code <= 0xdfff);
  });
  assert.deepEqual(forbidden, []);
  const elements = parse(text).notifications.notification![1].element!;
  // Plain strings lose them to U+FFFD; values keep them as JSON escapes.
  assert.equal(elements[0].path, "bad\uFFFDpath\uFFFD\uFFFD");
  assert.equal(
    JSON.parse(elements[5].current!),
    "ctrl \u0001 \u001f nul \u0000 ffff \uffff lone \ud800 end",
  );
});

Deno.test("escapeXml: five entities, whitespace references, forbidden characters replaced", () => {
  assert.equal(escapeXml(`a&b<c>d"e'f`), "a&amp;b&lt;c&gt;d&quot;e&apos;f");
  assert.equal(escapeXml("\t\n\r"), "&#9;&#10;&#13;");
  assert.equal(escapeXml("\u0000\u0008\u000B\u001F\uFFFE"), "\uFFFD".repeat(5));
  assert.equal(escapeXml("x\uDC00y\uD800"), "x\uFFFDy\uFFFD");
  // A valid surrogate pair is one character and stays.
  assert.equal(escapeXml("😀\u007F\u0085é"), "😀\u007F\u0085é");
});

Deno.test("xml: a notification without elements has no element, only its raw JSON", () => {
  const batch = trickyBatch();
  const deleted = parse(encodeText(batch)).notifications.notification![2];
  assert.equal(deleted.type, "DELETE");
  assert.equal(deleted.element, undefined);
  assert.equal(deleted.raw_json, batch.notifications[2].raw);
  const empty = parse(encodeText(trickyBatch({ notifications: [] })));
  assert.equal(empty.notifications.count, "0");
  assert.equal(empty.notifications.notification, undefined);
});
