/** Files picked in the browser, sent the way the API expects: name, media type and base64. */

/** A picked file as the API's document input (VoteDocumentInput, AddCaseAttachmentInput...). */
export interface EncodedFile {
  name: string;
  contentType: string;
  contentBase64: string;
}

/** Read ``file`` and encode it as base64 (without the data: prefix). */
export function encodeFile(file: File): Promise<EncodedFile> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onerror = () => reject(reader.error ?? new Error("read failed"));
    reader.onload = () => {
      const url = String(reader.result);
      resolve({ name: file.name, contentType: file.type || "application/octet-stream", contentBase64: url.slice(url.indexOf(",") + 1) });
    };
    reader.readAsDataURL(file);
  });
}
