#pragma once

// The Backendless files API over HTTP (DESIGN.md "The REST surface"), as the
// official JS SDK 8.0.0 sends it, on services::FilesService (every operation
// decided on the normalised path; denials are 4000).
//
// Client routes under /{appId}/{apiKey}/files/ (caller resolved by
// client_request.h; errors are {"code", "message"} with the code's status):
//   POST   <dir>/<name>?overwrite=   multipart/form-data, field `file`: the
//                                    upload, streamed to disk as it arrives
//                                    -> {"fileURL": "<url>"}; 6003 (409) when it
//                                    exists and overwrite is not true. A JSON
//                                    {"url"} body (upload from a URL): 501
//   POST   <dir>/                    create the directory (and its parents) -> empty
//   PUT    binary/<dir>/<name>?overwrite=   the file as base64 text -> "<url>"
//   GET    <path>                    a file: the download, streamed, with
//                                    Content-Type (by extension), Content-Length
//                                    and single-range requests (206/416);
//                                    a directory: its listing
//   GET    <dir>?pattern=&sub=&pagesize=&offset=   the listing: [{"name",
//                                    "createdOn", "publicUrl", "url", "size"}];
//                                    pagesize 1..100 (default 100; over 100: 1025)
//   GET    <path>?action=exists      true or false
//   GET    <dir>?action=count&pattern=&sub=&countDirectories=   a number
//   DELETE <path>                    a file, or a directory with its contents
//                                    -> how many entries went
//   PUT    copy {sourcePath, targetPath}   into the directory targetPath -> "<url>"
//   PUT    move {sourcePath, targetPath}   likewise, moving -> "<url>"
//   PUT    rename {oldPathName, newName}   -> "<url>"
//   append/..., permissions/...      not implemented: 501
// <url> is http://<Host>/<appId>/<apiKey>/files/<path> (https when the
// request says X-Forwarded-Proto: https), the URL a client downloads from.
//
// Bodies: the upload routes take up to `maxFileBytes` of file (plus the
// multipart or base64 overhead); a declared Content-Length past that is
// 413 before any byte of the body is read, a file that grows past it while
// streaming is 413 and leaves nothing behind. The path a client sends is
// percent-decoded by the HTTP server, which refuses "." and ".." segments
// (400) before any route runs; FilesService normalises the rest.
//
// Every route runs on the direct lane; an upload holds its worker while its
// body streams in.

#include <cstddef>

#include "runtime/http/router.h"

namespace ck::services {
class Host;
}

namespace ck::runtime {

void addFileRoutes(http::Router& router, services::Host& host, size_t maxFileBytes);

}  // namespace ck::runtime
