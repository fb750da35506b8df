// Fixed ids of the connection specs, flow specs and providers fluxo ships (reference/CONTRACT.md,
// "Connection specs fluxo ships"). These ids are part of the public API: clients hard-code them, so
// they never change. The AEP ones are AEP's own ids; the SQLite, local-folder and fluxo-provider
// ids are fluxo's (random version-4 UUIDs chosen once).
#pragma once

#include <string_view>

namespace fluxo::spec_ids {

// Connection specs (sources).
inline constexpr std::string_view kPostgres = "74a1c565-4e59-48d7-9d67-7c03b8a13137";
inline constexpr std::string_view kMySql = "26d738e0-8963-47ea-aadf-c60de735468a";  // and MariaDB
inline constexpr std::string_view kS3 =
    "ecadc60c-7455-4d87-84dc-2a0e293d997b";  // and S3-compatible
inline constexpr std::string_view kSqlite = "4dc762d7-733c-4c48-bc86-1b7d9ce43736";       // fluxo's
inline constexpr std::string_view kLocalFolder = "2d813289-868f-4072-87ad-a9ad8f34a63b";  // fluxo's
inline constexpr std::string_view kGenericRest = "b7f0a3c2-5d41-4e8a-9c67-2f1e8d3b6a95";  // fluxo's

// Connection spec (target): the data lake.
inline constexpr std::string_view kDataLake = "c604ff05-7f1a-43c0-8e18-33bf874cb11c";

// Flow specs.
inline constexpr std::string_view kCrmToAep = "14518937-270c-4525-bdec-c2ba7cce3860";  // tables
inline constexpr std::string_view kCloudStorageToAep =
    "9753525b-82c7-4dce-8a9b-5ccfce2b9876";  // files
// RestStorageToAEP: the flow spec of AEP's self-serve (Batch SDK) sources, REST APIs.
inline constexpr std::string_view kRestStorageToAep = "6499120c-0b15-42dc-936e-847ea3c24d72";

// Providers: AEP's for the specs AEP also has, fluxo's for the ones only fluxo has.
inline constexpr std::string_view kAdobeProviderId = "0ed90a81-07f4-4586-8190-b40eccef1c5a";
inline constexpr std::string_view kFluxoProviderId = "54cf4b2a-a704-47b2-8263-dd84ea772db5";

}  // namespace fluxo::spec_ids
