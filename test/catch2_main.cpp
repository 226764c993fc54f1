/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The main() of every Catch2 unit test program, compiled once.
 */
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
