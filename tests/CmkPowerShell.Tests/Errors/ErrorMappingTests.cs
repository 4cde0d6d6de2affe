using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using CmkPowerShell.Core.Errors;

namespace CmkPowerShell.Tests.Errors
{
    public class ErrorMappingTests
    {
        private const string Vault = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1";

        // Written out rather than derived, so a wrong family-to-type switch in CmkErrors fails here.
        internal static readonly IReadOnlyDictionary<CmkErrorFamily, Type> FamilyTypes = new Dictionary<CmkErrorFamily, Type>
        {
            [CmkErrorFamily.KeyVaultConfiguration] = typeof(KeyVaultConfigurationException),
            [CmkErrorFamily.KeyState] = typeof(KeyStateException),
            [CmkErrorFamily.Access] = typeof(CmkAccessException),
            [CmkErrorFamily.Network] = typeof(CmkNetworkException),
            [CmkErrorFamily.UnsupportedOperation] = typeof(CmkUnsupportedOperationException),
            [CmkErrorFamily.Throttled] = typeof(CmkThrottledException),
            [CmkErrorFamily.Service] = typeof(CmkServiceException),
            [CmkErrorFamily.Input] = typeof(CmkInputException),
        };

        public static IEnumerable<object[]> CataloguedCodes()
            => CmkErrorCatalogue.Entries.SelectMany(e => e.ServiceCodes.Select(c => new object[] { e.ErrorId, c }));

        public static IEnumerable<object[]> CataloguedChecks()
            => CmkErrorCatalogue.Entries.SelectMany(e => e.CheckIds.Select(c => new object[] { e.ErrorId, c }));

        private static void AssertIsEntry(CmkException ex, CmkErrorEntry entry)
        {
            Assert.IsType(FamilyTypes[entry.Family], ex);
            Assert.Equal(entry.ErrorId, ex.ErrorId);
            Assert.Equal(entry.Category, ex.Category);
            Assert.Equal(entry.RecommendedAction, ex.RecommendedAction);
            Assert.Equal(entry.UserCanFix, ex.UserCanFix);
            if (ex is CmkInputException input) Assert.Equal(entry.Parameter, input.ParameterName);
        }

        [Theory]
        [MemberData(nameof(CataloguedCodes))]
        public void Each_catalogued_code_maps_to_its_type_id_category_and_fix(string errorId, string code)
        {
            var entry = CmkErrorCatalogue.Get(errorId);
            var error = new ServiceError(400, code, "what the service said", ServiceErrorOrigin.Synchronous);

            var ex = CmkErrors.FromServiceError(error, Vault);

            AssertIsEntry(ex, entry);
            Assert.Equal(code, ex.ServiceCode);
            Assert.Equal("what the service said", ex.ServiceMessage);
            Assert.Equal(Vault, ex.Target);
            Assert.Contains(entry.Meaning, ex.Message);
            Assert.Contains("what the service said", ex.Message);
            Assert.Same(error, ex.ServiceError);
        }

        [Theory]
        [InlineData("The operation failed because the specified key vault key was not found", "NetAppKeyVaultKeyNotFound")]
        [InlineData("Azure Key Vault key is not a valid RSA key", "NetAppKeyNotRsa")]
        [InlineData("Azure Key Vault key is not enabled", "NetAppKeyNotEnabled")]
        [InlineData("Azure Key Vault key is expired", "NetAppKeyExpired")]
        [InlineData("Azure Key Vault key has not been activated", "NetAppKeyNotActivated")]
        [InlineData("Key Vault URI is invalid", "NetAppKeyVaultUriInvalid")]
        [InlineData("Azure Key Vault is not recoverable. Make sure that Soft-delete and Purge protection are both enabled on the Azure Key Vault", "NetAppKeyVaultNotRecoverable")]
        [InlineData("Account must be in the same region as the Vault", "NetAppKeyVaultRegionMismatch")]
        [InlineData("Volume cannot be encrypted with Microsoft.KeyVault, NetAppAccount has not been configured with KeyVault encryption", "NetAppAccountNotConfiguredForCmk")]
        [InlineData("EncryptionKeySource cannot be changed", "NetAppEncryptionKeySourceCannotBeChanged")]
        [InlineData("Unable to use the configured encryption key, please check if key is active", "NetAppEncryptionKeyUnusable")]
        [InlineData("Could not fetch the passkey.", "DataBoxPasskeyFetchFailed")]
        public void Documented_messages_map_by_message_whatever_the_code(string message, string errorId)
        {
            // NetApp Files documents messages, not codes: the code it sends is not one the catalogue knows.
            var ex = CmkErrors.FromServiceError(new ServiceError(400, "BadRequest", message, ServiceErrorOrigin.LongRunningOperation), Vault);

            AssertIsEntry(ex, CmkErrorCatalogue.Get(errorId));
            Assert.Equal("BadRequest", ex.ServiceCode);
            Assert.Equal(message, ex.ServiceMessage);
        }

        [Fact]
        public void A_message_match_is_case_insensitive_and_finds_the_message_inside_a_longer_text()
        {
            var ex = CmkErrors.FromServiceError(new ServiceError(400, null,
                "Error: AZURE KEY VAULT KEY IS EXPIRED (keyId https://kv1.vault.azure.net/keys/k1/abc).", ServiceErrorOrigin.Synchronous), null);
            Assert.Equal("NetAppKeyExpired", ex.ErrorId);
        }

        [Fact]
        public void A_specific_passkey_message_is_not_taken_for_the_generic_one()
        {
            Assert.Null(CmkErrorCatalogue.FindByMessage("Could not fetch the passkey as the customer-managed key is disabled."));
        }

        [Fact]
        public void An_unknown_code_keeps_the_services_code_and_message()
        {
            var ex = CmkErrors.FromServiceError(new ServiceError(409, "BrandNewConflict", "The thing conflicts.", ServiceErrorOrigin.Synchronous), Vault);

            Assert.IsType<CmkServiceException>(ex);
            Assert.Equal("ServiceError", ex.ErrorId);
            Assert.Equal(CmkErrorCategory.NotSpecified, ex.Category);
            Assert.Equal("BrandNewConflict", ex.ServiceCode);
            Assert.Equal("The thing conflicts.", ex.ServiceMessage);
            Assert.Contains("BrandNewConflict", ex.Message);
            Assert.Contains("The thing conflicts.", ex.Message);
            Assert.False(ex.UserCanFix);
            Assert.Equal(CmkErrorCatalogue.Get("ServiceError").RecommendedAction, ex.RecommendedAction);
        }

        [Fact]
        public void A_bodyless_server_error_still_reads_as_a_service_error()
        {
            var ex = CmkErrors.FromServiceError(ServiceError.Parse(500, null, ServiceErrorOrigin.Synchronous), Vault);
            Assert.Equal("ServiceError", ex.ErrorId);
            Assert.Null(ex.ServiceCode);
            Assert.Contains("HTTP 500", ex.ServiceMessage);
        }

        [Theory]
        [InlineData(null)]
        [InlineData("TooManyRequests")]
        [InlineData("SubscriptionRequestsThrottled")]
        [InlineData("SomethingElse")]
        [InlineData("KeyVaultNotFound")] // even a catalogued code: a 429 means wait
        public void Http_429_is_throttled_with_retry_after(string? code)
        {
            var body = code == null ? null : $"{{\"error\":{{\"code\":\"{code}\",\"message\":\"slow down\"}}}}";
            var error = ServiceError.Parse(429, body, ServiceErrorOrigin.Synchronous, Vault, TimeSpan.FromSeconds(17));

            var ex = CmkErrors.FromServiceError(error, null);

            var throttled = Assert.IsType<CmkThrottledException>(ex);
            Assert.Equal(TimeSpan.FromSeconds(17), throttled.RetryAfter);
            Assert.Equal("RequestThrottled", ex.ErrorId);
            Assert.Equal(CmkErrorCategory.LimitsExceeded, ex.Category);
            Assert.Equal(code, ex.ServiceCode);
            Assert.Equal(Vault, ex.Target);
        }

        [Theory]
        [InlineData("ExpiredAuthenticationToken", "AuthenticationTokenExpired")]
        [InlineData("InvalidAuthenticationToken", "AuthenticationTokenInvalid")]
        [InlineData("InvalidAuthenticationTokenTenant", "AuthenticationTokenWrongTenant")]
        [InlineData("SomethingNew", "AuthenticationFailed")]
        [InlineData(null, "AuthenticationFailed")]
        public void Http_401_is_an_authentication_error(string? code, string errorId)
        {
            var ex = CmkErrors.FromServiceError(new ServiceError(401, code, "no", ServiceErrorOrigin.Synchronous), Vault);
            Assert.IsType<CmkAccessException>(ex);
            Assert.Equal(errorId, ex.ErrorId);
            Assert.Equal(CmkErrorCategory.AuthenticationError, ex.Category);
        }

        [Fact]
        public void Key_Vault_Forbidden_is_access_and_its_innererror_refines_it()
        {
            const string message = "Client address is not authorized and caller is not a trusted service.";
            var plain = CmkErrors.FromServiceError(ServiceError.Parse(403,
                "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Operation get is not permitted.\"}}", ServiceErrorOrigin.Synchronous), Vault);
            var byFirewall = CmkErrors.FromServiceError(ServiceError.Parse(403,
                $"{{\"error\":{{\"code\":\"Forbidden\",\"message\":\"{message}\",\"innererror\":{{\"code\":\"ForbiddenByFirewall\"}}}}}}", ServiceErrorOrigin.Synchronous), Vault);
            var unknown403 = CmkErrors.FromServiceError(new ServiceError(403, "Nope", "nope", ServiceErrorOrigin.Synchronous), Vault);

            Assert.IsType<CmkAccessException>(plain);
            Assert.Equal("KeyVaultAccessForbidden", plain.ErrorId);
            Assert.Equal(CmkErrorCategory.PermissionDenied, plain.Category);

            Assert.IsType<KeyVaultConfigurationException>(byFirewall);
            Assert.Equal("KeyVaultForbiddenByFirewall", byFirewall.ErrorId);
            Assert.Equal("ForbiddenByFirewall", byFirewall.ServiceCode);
            Assert.Equal(message, byFirewall.ServiceMessage); // the inner error has no message of its own

            Assert.IsType<CmkAccessException>(unknown403);
            Assert.Equal("AccessDenied", unknown403.ErrorId);
            Assert.Equal("Nope", unknown403.ServiceCode);
        }

        [Fact]
        public void No_answer_at_all_is_a_network_error()
        {
            var ex = CmkErrors.FromServiceError(ServiceError.Parse(0, null, ServiceErrorOrigin.Synchronous), Vault);
            Assert.IsType<CmkNetworkException>(ex);
            Assert.Equal("ServiceUnreachable", ex.ErrorId);
            Assert.Equal(CmkErrorCategory.ConnectionError, ex.Category);
        }

        [Fact]
        public void The_target_argument_wins_and_the_errors_target_is_the_default()
        {
            var error = new ServiceError(404, "ResourceNotFound", "gone", ServiceErrorOrigin.Synchronous, Target: "/from/error");
            Assert.Equal("/explicit", CmkErrors.FromServiceError(error, "/explicit").Target);
            Assert.Equal("/from/error", CmkErrors.FromServiceError(error, null).Target);
        }

        // ---------------- The three origins read the same ----------------

        private static (Type, string, CmkErrorCategory, string?) Reading(CmkException ex) => (ex.GetType(), ex.ErrorId, ex.Category, ex.RecommendedAction);

        [Theory]
        [MemberData(nameof(CataloguedCodes))]
        public void A_code_reads_the_same_from_a_synchronous_body_and_a_failed_operation(string errorId, string code)
        {
            var status = CmkErrorCatalogue.Get(errorId).Family == CmkErrorFamily.Throttled ? 429 : 400;
            var synchronous = ServiceError.Parse(status, $"{{\"error\":{{\"code\":\"{code}\",\"message\":\"m\"}}}}", ServiceErrorOrigin.Synchronous);
            // A status resource reporting the failure, and a wrapper whose telling code is in details.
            var operationStatus = ServiceError.Parse(200,
                $"{{\"id\":\"op\",\"status\":\"Failed\",\"error\":{{\"code\":\"{code}\",\"message\":\"m\"}}}}", ServiceErrorOrigin.LongRunningOperation);
            var wrapped = ServiceError.Parse(200,
                $"{{\"status\":\"Failed\",\"error\":{{\"code\":\"ResourceOperationFailure\",\"message\":\"The operation failed.\",\"details\":[{{\"code\":\"{code}\",\"message\":\"m\"}}]}}}}",
                ServiceErrorOrigin.LongRunningOperation);

            var expected = Reading(CmkErrors.FromServiceError(synchronous, Vault));
            Assert.Equal(errorId, expected.Item2);
            Assert.Equal(expected, Reading(CmkErrors.FromServiceError(operationStatus, Vault)));
            Assert.Equal(expected, Reading(CmkErrors.FromServiceError(wrapped, Vault)));
            Assert.Equal(expected, Reading(CmkErrors.FromServiceError(synchronous with { Origin = ServiceErrorOrigin.RequirementCheck }, Vault)));
        }

        [Theory]
        [InlineData("KeyVault.PurgeProtection", "KeyVaultNotPurgeProtected")]
        [InlineData("KeyVault.SoftDelete", "KeyVaultNotSoftDeleteEnabled")]
        [InlineData("KeyVault.Exists", "KeyVaultNotFound")]
        [InlineData("Key.Exists", "KeyNotFound")]
        [InlineData("Identity.Access", "IdentityDoesNotHaveAccessToKeyVault")]
        public void A_failed_check_reads_the_same_as_the_service_code_it_predicts(string checkId, string serviceCode)
        {
            var fromService = CmkErrors.FromServiceError(new ServiceError(400, serviceCode, "m", ServiceErrorOrigin.LongRunningOperation), Vault);
            var fromCheck = CmkErrors.FromFailedChecks(new[] { (checkId, "Key vault 'kv1' fails this.", (string?)"Do the specific thing to kv1.", (string?)Vault) });

            Assert.Equal(Reading(fromService), Reading(fromCheck));
            Assert.Contains("Do the specific thing to kv1.", fromCheck.Message);
        }

        [Theory]
        [MemberData(nameof(CataloguedChecks))]
        public void Each_check_id_maps_to_its_entry(string errorId, string checkId)
        {
            var ex = CmkErrors.FromFailedChecks(new[] { (checkId, "It failed.", (string?)null, (string?)Vault) });

            AssertIsEntry(ex, CmkErrorCatalogue.Get(errorId));
            Assert.Equal(Vault, ex.Target);
            var check = Assert.Single(ex.FailedChecks);
            Assert.Equal(checkId, check.CheckId);
            Assert.Contains(checkId, ex.Message);
        }

        [Fact]
        public void Several_failed_checks_make_one_requirement_error_typed_by_the_first()
        {
            var ex = CmkErrors.FromFailedChecks(new[]
            {
                ("KeyVault.PurgeProtection", "Key vault 'kv1' does not have purge protection enabled.", (string?)null, (string?)Vault),
                ("Key.Enabled", "Key 'k1' is disabled.", null, Vault),
                ("Identity.Access", "Identity abc lacks wrapKey.", null, Vault),
            });

            Assert.IsType<KeyVaultConfigurationException>(ex);
            Assert.Equal("CmkRequirementFailed", ex.ErrorId);
            Assert.Equal(CmkErrorCategory.NotEnabled, ex.Category);
            Assert.Equal(3, ex.FailedChecks.Count);
            foreach (var id in new[] { "KeyVault.PurgeProtection", "Key.Enabled", "Identity.Access" })
            {
                Assert.Contains(id, ex.Message);
                Assert.Contains(id, ex.RecommendedAction);
            }
            Assert.Contains(CmkErrorCatalogue.Get("KeyDisabled").RecommendedAction, ex.RecommendedAction);
            Assert.Contains("Key 'k1' is disabled.", ex.Message);
        }

        [Fact]
        public void An_unknown_check_keeps_the_engines_own_advice()
        {
            var ex = CmkErrors.FromFailedChecks(new[] { ("Future.Check", "Something new failed.", (string?)"Do the new thing.", (string?)null) });
            Assert.IsType<KeyVaultConfigurationException>(ex);
            Assert.Equal("CmkRequirementFailed", ex.ErrorId);
            Assert.Equal("Do the new thing.", ex.RecommendedAction);
        }

        [Fact]
        public void No_failed_checks_is_a_programming_error()
        {
            Assert.Throws<ArgumentException>(() => CmkErrors.FromFailedChecks(Array.Empty<CmkFailedCheck>()));
        }

        // ---------------- Errors the engine raises by id ----------------

        [Fact]
        public void Invalid_input_names_the_parameter_and_carries_the_catalogue_fix()
        {
            var ex = CmkErrors.InvalidInput("InvalidKeyUri", "KeyUri", "http://kv1/keys", "the scheme must be https.");

            Assert.Equal("InvalidKeyUri", ex.ErrorId);
            Assert.Equal("KeyUri", ex.ParameterName);
            Assert.Equal(CmkErrorCategory.InvalidArgument, ex.Category);
            Assert.Equal("http://kv1/keys", ex.Target);
            Assert.Contains("-KeyUri", ex.Message);
            Assert.Equal(CmkErrorCatalogue.Get("InvalidKeyUri").RecommendedAction, ex.RecommendedAction);
            Assert.Throws<ArgumentException>(() => CmkErrors.InvalidInput("KeyVaultNotFound", "KeyUri", "x", "y"));
        }

        [Fact]
        public void Create_builds_a_documented_state_by_id()
        {
            var inner = new InvalidOperationException("inner");
            var ex = CmkErrors.Create("NetAppCredentialRenewalNotEligible", "/acct", "Eligible from 2026-03-01.", inner);

            AssertIsEntry(ex, CmkErrorCatalogue.Get("NetAppCredentialRenewalNotEligible"));
            Assert.Contains("Eligible from 2026-03-01.", ex.Message);
            Assert.Same(inner, ex.InnerException);
            Assert.Equal("/acct", ex.Target);
            Assert.Throws<ArgumentException>(() => CmkErrors.Create("NoSuchError", null));
        }
    }
}
