/**
 * Why a registration reference cannot be used in a Direct+ URL, or null. `.` and `..` are dot
 * segments: every WHATWG URL parser (fetch included) removes them, and `%2E` too, so
 * `/registrations/./notifications` would be sent as `/registrations/notifications`, asking about
 * a registration named "notifications". No encoding gets them through fetch.
 */
export function referenceProblem(reference: string): string | null {
  if (reference === "") return "a registration reference cannot be empty";
  if (reference === "." || reference === "..") {
    return `the registration reference ${
      JSON.stringify(reference)
    } cannot be sent: URLs drop "." and ".." path segments; rename the registration at D&B`;
  }
  return null;
}
