# The Debian package: `cpack -G DEB` in the build folder makes rocketctl_<version>-1_<arch>.deb
# from the install rules of cmd/, man/, completions/, proto/ and the documents below.
# Only the components named in CPACK_COMPONENTS_ALL are packaged, in one .deb, so an install
# rule a test directory might add (component "Unspecified") never lands in the package.
# tests/package checks the result: file list, Depends, and the unpacked binary running.
include(GNUInstallDirs)

# /usr/share/doc/rocketctl: the README and a copyright file (Debian policy 12.5). No licence has
# been chosen for rocketctl yet, and the copyright file says so rather than invent one.
set(ROCKETCTL_COPYRIGHT_HOLDER "the rocketctl authors" CACHE STRING
    "Copyright holder named in /usr/share/doc/rocketctl/copyright")
file(CONFIGURE OUTPUT ${PROJECT_BINARY_DIR}/packaging/copyright CONTENT [[
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: rocketctl

Files: *
Copyright: @ROCKETCTL_COPYRIGHT_HOLDER@
License: not-yet-chosen
 No licence has been published for rocketctl yet. Until one is, ask the
 copyright holder before redistributing this package.
]] @ONLY)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_BINARY_DIR}/packaging/copyright
        DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT doc)

set(CPACK_PACKAGE_NAME rocketctl)
set(CPACK_PACKAGE_VENDOR "rocketctl")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
# One string (string(CONCAT), not a list: set() would join the lines with ";").
string(CONCAT CPACK_PACKAGE_DESCRIPTION
    "rocketctl reads and sets up RocketS SMART battery BMSs over CAN (SocketCAN or a GCAN\n"
    "ECAN adapter): status, cells, event log (to Excel, CSV or JSON), bench calibration,\n"
    "test-rig checks, firmware update and recovery. A built-in simulated battery\n"
    "(-i sim) lets it be tried without hardware. Includes the man page, bash, zsh and\n"
    "fish completions, and a Wireshark Lua dissector for the protocol.")
# Placeholders that say what they are: set these when building a package to distribute.
set(ROCKETCTL_DEB_MAINTAINER "rocketctl maintainers <maintainers@rocketctl.invalid>" CACHE STRING
    "Maintainer field of the .deb (placeholder address under the reserved .invalid domain)")
set(ROCKETCTL_DEB_HOMEPAGE "" CACHE STRING
    "Homepage field of the .deb (left out while empty: the project has no public page yet)")
set(CPACK_PACKAGE_CONTACT "${ROCKETCTL_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${ROCKETCTL_DEB_MAINTAINER}")
if(ROCKETCTL_DEB_HOMEPAGE)
  set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${ROCKETCTL_DEB_HOMEPAGE}")
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_SOURCE_GENERATOR "")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)  # policy 10.1: no debug symbols in the binary package

# One package of the runtime components.
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_COMPONENTS_ALL runtime doc completions wireshark)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # rocketctl_0.1.0-1_amd64.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION electronics)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# dpkg-shlibdeps (Debian package dpkg-dev) computes Depends from the libraries the binary links:
# libfmt, libspdlog, libxlsxwriter, zlib, libstdc++, libc.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# `ip link set can0 up type can bitrate 250000` brings an interface up (README, Adapters).
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "iproute2")
# candump/cansend to watch or poke the bus; Wireshark to read traces with proto/rockets.lua.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "can-utils, wireshark | tshark")

include(CPack)
