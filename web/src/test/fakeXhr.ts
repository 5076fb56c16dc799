// A stand-in XMLHttpRequest for tests of uploads: it records what was sent, and the test plays
// the storage's part (progress, an answer, a network failure).
export class FakeRequest extends EventTarget {
  static last: FakeRequest | undefined;
  upload = new EventTarget();
  method = "";
  url = "";
  body: FormData | undefined;
  status = 0;
  responseText = "";

  constructor() {
    super();
    FakeRequest.last = this;
  }

  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }

  send(body: FormData) {
    this.body = body;
  }

  abort() {
    this.dispatchEvent(new Event("abort"));
  }

  progress(loaded: number, total: number) {
    const event = Object.assign(new Event("progress"), { lengthComputable: true, loaded, total });
    this.upload.dispatchEvent(event);
  }

  answer(status: number, text = "") {
    this.status = status;
    this.responseText = text;
    this.dispatchEvent(new Event("load"));
  }
}

/** The request sent last (a failure if none was). */
export function sent(): FakeRequest {
  const request = FakeRequest.last;
  if (!request) throw new Error("nothing was sent");
  return request;
}
