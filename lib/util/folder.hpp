#pragma once
// The folder a file lives in, and making its entries durable: after a file is created or
// renamed, the folder itself must be synced for the new name to survive a power cut.

#include <string>

namespace util {

// "a/b/c.csv" -> "a/b", "c.csv" -> ".", "/c.csv" -> "/".
std::string folder_of(const std::string& path);

// fsync() of `folder`. Best effort: some file systems refuse fsync on a folder.
void sync_folder(const std::string& folder);

}  // namespace util
