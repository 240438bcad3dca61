"""The Debian package, built by CPack from the build tree, black-box.

Run by ctest (tests/package/CMakeLists.txt) with Debian's /usr/bin/python3 and:
  ROCKETCTL_BUILD_DIR   the configured and built build tree (holds CPackConfig.cmake)
  ROCKETCTL_SOURCE_DIR  the source tree (the installed completions must be its files)
  ROCKETCTL_VERSION     project(VERSION) of the top CMakeLists.txt
  CPACK_COMMAND, CMAKE_COMMAND
ctest does not build: the build must be complete (binary and man page), as `./build.sh test`
leaves it. Everything is written under one temporary folder. Exit 77 (skip) when a Debian
tool the package needs is missing (dpkg-dev, file, man-db); CI=true turns that into a failure.

What it proves: `cpack -G DEB` makes rocketctl_<version>-1_<arch>.deb holding exactly the
runtime files where Debian looks for them (and `cmake --install` lays out the same files);
Depends, as computed by dpkg-shlibdeps, names a package for every library the binary needs
(fmt, spdlog, xlsxwriter, zlib among them); the unpacked binary runs on its own (no path into
the build tree) and talks to the simulated battery; the unpacked man page renders.
"""
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

BUILD = os.environ.get("ROCKETCTL_BUILD_DIR", "")
SOURCE = os.environ.get("ROCKETCTL_SOURCE_DIR", "")
VERSION = os.environ.get("ROCKETCTL_VERSION", "")
CPACK = os.environ.get("CPACK_COMMAND", "cpack")
CMAKE = os.environ.get("CMAKE_COMMAND", "cmake")
SERIAL = "RKS3611A201000123"  # the reference battery, rockets-can-v1 §11

TOOLS = {"dpkg-deb": "dpkg", "apt-get": "apt", "dpkg-shlibdeps": "dpkg-dev", "dpkg-architecture": "dpkg-dev",
         "file": "file", "objdump": "binutils", "strip": "binutils", "man": "man-db"}


def sh(*args, **kw):
    """Run a command; fail the test with its output when it exits non-zero."""
    r = subprocess.run(list(args), capture_output=True, text=True, timeout=120, **kw)
    if r.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {r.returncode}\n"
                             f"stdout:\n{r.stdout}\nstderr:\n{r.stderr}")
    return r.stdout


def clean_env(home):
    """The environment a user's shell would give: none of the test harness's rocketctl settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROCKETCTL")}
    env.update({"HOME": home, "XDG_CONFIG_HOME": os.path.join(home, ".config"),
                "LANG": "C.UTF-8", "LC_ALL": "", "NO_COLOR": "1", "MANPAGER": "cat",
                "PAGER": "cat", "MANWIDTH": "80"})
    return env


class DebPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="rocketctl-deb-")
        cls.arch = sh("dpkg", "--print-architecture").strip()
        cls.multiarch = sh("dpkg-architecture", "-qDEB_HOST_MULTIARCH").strip()
        out = os.path.join(cls.tmp, "out")
        # -B keeps the package and CPack's staging (_CPack_Packages) out of the build tree.
        sh(CPACK, "-G", "DEB", "--config", "CPackConfig.cmake", "-B", out, cwd=BUILD)
        debs = [f for f in os.listdir(out) if f.endswith(".deb")]
        assert len(debs) == 1, f"cpack made {debs}, expected one .deb"
        cls.deb_name = debs[0]
        cls.deb = os.path.join(out, debs[0])
        cls.root = os.path.join(cls.tmp, "root")
        sh("dpkg-deb", "-x", cls.deb, cls.root)
        cls.home = os.path.join(cls.tmp, "home")
        os.mkdir(cls.home)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def expected_files(self):
        return {
            "usr/bin/rocketctl",
            "usr/share/man/man1/rocketctl.1.gz",
            "usr/share/bash-completion/completions/rocketctl",
            "usr/share/zsh/vendor-completions/_rocketctl",
            "usr/share/fish/vendor_completions.d/rocketctl.fish",
            f"usr/lib/{self.multiarch}/wireshark/plugins/rockets.lua",
            "usr/share/doc/rocketctl/README.md",
            "usr/share/doc/rocketctl/copyright",
        }

    def contents(self):
        """{path: (mode string, owner)} of the regular files dpkg-deb -c lists."""
        files = {}
        for line in sh("dpkg-deb", "-c", self.deb).splitlines():
            fields = line.split(None, 5)
            mode, owner, path = fields[0], fields[1], fields[5]
            if mode.startswith("-"):
                files[path.removeprefix("./")] = (mode, owner)
            else:
                self.assertTrue(mode.startswith("d"), f"not a file or folder in the .deb: {line}")
        return files

    def field(self, name):
        return sh("dpkg-deb", "-f", self.deb, name).strip()

    def test_file_name_and_control_fields(self):
        self.assertEqual(self.deb_name, f"rocketctl_{VERSION}-1_{self.arch}.deb")
        self.assertEqual(self.field("Package"), "rocketctl")
        self.assertEqual(self.field("Version"), f"{VERSION}-1")
        self.assertEqual(self.field("Architecture"), self.arch)
        self.assertEqual(self.field("Section"), "electronics")
        self.assertIn("iproute2", self.field("Recommends"))
        self.assertIn("can-utils", self.field("Suggests"))
        self.assertRegex(self.field("Maintainer"), r"^[^<>]+ <[^<>@]+@[^<>@]+>$")
        # A summary line, then the long description: continuation lines of plain text.
        summary, *long = self.field("Description").splitlines()
        self.assertIn("RocketS", summary)
        self.assertGreaterEqual(len(long), 2)
        for line in long:
            self.assertRegex(line, r"^ [^;\s]", "a long-description line of the control file")

    def test_exactly_the_runtime_files_where_debian_looks(self):
        files = self.contents()
        self.assertEqual(set(files), self.expected_files())
        for path, (mode, owner) in files.items():
            self.assertEqual(owner, "root/root", path)
            self.assertEqual(mode, "-rwxr-xr-x" if path == "usr/bin/rocketctl" else "-rw-r--r--",
                             path)
        # Nothing from tests/: no fake ECAN library, no test program, no shared object at all.
        for path in files:
            self.assertNotRegex(path, r"test|ecan|\.so\b|_CPack", path)

    def test_wireshark_plugin_folder_is_the_one_wireshark_reads(self):
        tshark = shutil.which("tshark")
        if not tshark:
            self.skipTest("tshark not installed: only the multiarch folder is checked")
        folders = sh(tshark, "-G", "folders", env=clean_env(self.home))
        m = re.search(r"^Global Lua Plugins:\s*(\S+)", folders, re.M)
        self.assertIsNotNone(m, folders)
        self.assertEqual(m.group(1), f"/usr/lib/{self.multiarch}/wireshark/plugins")

    def test_cmake_install_lays_out_the_same_files(self):
        prefix = os.path.join(self.tmp, "install")
        sh(CMAKE, "--install", BUILD, "--prefix", prefix)
        installed = set()
        for top, _, names in os.walk(prefix):
            for n in names:
                installed.add("usr/" + os.path.relpath(os.path.join(top, n), prefix))
        self.assertEqual(installed, self.expected_files())

    def test_depends_names_a_package_for_every_needed_library(self):
        depends = self.field("Depends")
        names = {re.sub(r"\s*\(.*\)", "", alt).strip()
                 for dep in depends.split(",") for alt in dep.split("|")}
        # The libraries of the issue, by Debian package name (soname digits vary by release).
        # (Debian 12: libfmt9, libspdlog1.10-fmt9, libxlsxwriter4, zlib1g.)
        for pattern in (r"libfmt\d+", r"libspdlog[\d.]+(-fmt\d+)?", r"libxlsxwriter\d+", r"zlib1g",
                        r"libstdc\+\+6", r"libc6"):
            self.assertTrue(any(re.fullmatch(pattern, n) for n in names),
                            f"{pattern} not in Depends: {depends}")
        # Versioned, as the shlibs/symbols files make them.
        self.assertRegex(depends, r"libc6 \(>= [0-9.]+\)")
        # And every DT_NEEDED of the packaged binary is owned by a package named in Depends.
        binary = os.path.join(self.root, "usr/bin/rocketctl")
        needed = re.findall(r"^\s*NEEDED\s+(\S+)", sh("objdump", "-p", binary), re.M)
        self.assertIn("libz.so.1", needed)
        # One dpkg -S and one dpkg-query for all of them: each call reads the whole database.
        owners = {}  # soname -> owning packages
        for line in sh("dpkg", "-S", *(f"*/{so}" for so in needed)).splitlines():
            pkgs, _, path = line.partition(": /")
            if path:
                owners.setdefault(os.path.basename(path), set()).update(
                    p.strip().split(":")[0] for p in pkgs.split(","))
        # A shlibs file may name a virtual package the owner Provides (Debian 12's
        # libspdlog1.10 provides libspdlog1.10-fmt9, which tracks the fmt ABI).
        provides = {}
        all_pkgs = sorted(set().union(*owners.values()))
        for line in sh("dpkg-query", "-W", "-f=${Package}|${Provides}\\n", *all_pkgs).splitlines():
            pkg, _, prov = line.partition("|")
            provides[pkg] = {re.sub(r"\s*\(.*\)", "", a).strip() for a in prov.split(",")}
        for soname in needed:
            pkgs = owners.get(soname, set())
            self.assertTrue(pkgs, f"no installed package owns {soname}")
            names_of = set(pkgs).union(*(provides.get(p, set()) for p in pkgs))
            self.assertTrue(names_of & names,
                            f"{soname} (from {pkgs}) not in Depends: {depends}")

    def test_apt_would_install_it(self):
        # Resolves Depends/Recommends against the installed system; --simulate changes nothing.
        out = sh("apt-get", "install", "--simulate", "--no-install-recommends", self.deb,
                 env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        self.assertRegex(out, rf"(?m)^Inst rocketctl \(?{re.escape(VERSION)}-1\b")

    def test_unpacked_binary_stands_alone(self):
        binary = os.path.join(self.root, "usr/bin/rocketctl")
        dyn = sh("objdump", "-p", binary)
        self.assertNotRegex(dyn, r"\b(RPATH|RUNPATH)\b", "the packaged binary points at a folder")
        self.assertIn("stripped", sh("file", "-b", binary))
        self.assertNotIn("not stripped", sh("file", "-b", binary))

    def test_unpacked_version(self):
        binary = os.path.join(self.root, "usr/bin/rocketctl")
        out = sh(binary, "--version", env=clean_env(self.home), stdin=subprocess.DEVNULL)
        self.assertEqual(out.strip(), f"rocketctl {VERSION}")

    def test_unpacked_status_against_the_simulated_battery(self):
        binary = os.path.join(self.root, "usr/bin/rocketctl")
        r = subprocess.run([binary, "-i", "sim", "status"], capture_output=True, text=True,
                           timeout=60, env=clean_env(self.home), stdin=subprocess.DEVNULL)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(SERIAL, r.stdout)

    def test_unpacked_man_page_renders(self):
        page = os.path.join(self.root, "usr/share/man/man1/rocketctl.1.gz")
        with open(page, "rb") as f:
            header = f.read(10)
        # gzip -n: no file name (FLG bit 3) and no time stamp, so builds are reproducible.
        self.assertEqual(header[:2], b"\x1f\x8b")
        self.assertEqual(header[3] & 0x08, 0, "gzip header holds a file name")
        self.assertEqual(header[4:8], b"\0\0\0\0", "gzip header holds a time stamp")
        with gzip.open(page, "rt") as f:
            self.assertIn(".TH", f.read())
        text = sh("man", "-l", page, env=clean_env(self.home))
        self.assertRegex(text, r"(?m)^NAME\s*\n\s+rocketctl")
        self.assertRegex(text, r"(?m)^SYNOPSIS")
        self.assertIn("rocketctl", text)

    def test_unpacked_completions_are_the_sources(self):
        for packaged, source in (
                ("usr/share/bash-completion/completions/rocketctl", "completions/rocketctl.bash"),
                ("usr/share/zsh/vendor-completions/_rocketctl", "completions/_rocketctl"),
                ("usr/share/fish/vendor_completions.d/rocketctl.fish",
                 "completions/rocketctl.fish")):
            with open(os.path.join(self.root, packaged), "rb") as a, \
                    open(os.path.join(SOURCE, source), "rb") as b:
                self.assertEqual(a.read(), b.read(), packaged)


def main():
    missing = sorted({pkg for tool, pkg in TOOLS.items() if not shutil.which(tool)})
    if missing:
        print(f"test_deb: install the Debian packages {' '.join(missing)}", file=sys.stderr)
        sys.exit(1 if os.environ.get("CI") == "true" else 77)
    if not (BUILD and SOURCE and VERSION):
        sys.exit("test_deb: run by ctest (ROCKETCTL_BUILD_DIR, ROCKETCTL_SOURCE_DIR, "
                 "ROCKETCTL_VERSION unset)")
    for need in ("CPackConfig.cmake", "cmd/rocketctl"):
        if not os.path.exists(os.path.join(BUILD, need)):
            sys.exit(f"test_deb: {BUILD}/{need} is missing: build first (cmake --build)")
    unittest.main(argv=[sys.argv[0], "-v"])


if __name__ == "__main__":
    main()
