using System;
using System.Linq;
using CmkPowerShell.Core.Errors;

namespace CmkPowerShell.Tests.Errors
{
    public class ServiceErrorParseTests
    {
        [Fact]
        public void Reads_the_ARM_error_response_with_nested_details()
        {
            var error = ServiceError.Parse(400,
                "{\"error\":{\"code\":\"InvalidTemplateDeployment\",\"message\":\"outer\",\"target\":\"properties.keyVaultProperties\"," +
                "\"details\":[{\"code\":\"KeyVaultNotPurgeProtected\",\"message\":\"inner\",\"details\":[{\"code\":\"Deeper\",\"message\":\"deepest\"}]}]," +
                "\"additionalInfo\":[{\"type\":\"PolicyViolation\",\"info\":{}}]}}",
                ServiceErrorOrigin.Synchronous, "/res", TimeSpan.FromSeconds(3));

            Assert.Equal(400, error.HttpStatus);
            Assert.Equal("InvalidTemplateDeployment", error.Code);
            Assert.Equal("outer", error.Message);
            Assert.Equal("/res", error.Target);
            Assert.Equal(TimeSpan.FromSeconds(3), error.RetryAfter);
            Assert.Equal(new[] { "InvalidTemplateDeployment", "KeyVaultNotPurgeProtected", "Deeper" }, error.SelfAndDetails().Select(e => e.Code));
            Assert.All(error.SelfAndDetails(), e => Assert.Equal(ServiceErrorOrigin.Synchronous, e.Origin));
        }

        [Fact]
        public void Reads_a_bare_cloud_error_as_Data_Box_and_Cosmos_define_it()
        {
            var error = ServiceError.Parse(400, "{\"code\":\"SsemUserErrorKeyVaultDetailsNotFound\",\"message\":\"m\",\"details\":[],\"additionalInfo\":[]}",
                ServiceErrorOrigin.LongRunningOperation);
            Assert.Equal("SsemUserErrorKeyVaultDetailsNotFound", error.Code);
            Assert.Equal("m", error.Message);
            Assert.Equal(ServiceErrorOrigin.LongRunningOperation, error.Origin);
        }

        [Fact]
        public void Reads_Key_Vaults_innererror_as_a_detail()
        {
            var error = ServiceError.Parse(403, "{\"error\":{\"code\":\"Forbidden\",\"message\":\"m\",\"innererror\":{\"code\":\"ForbiddenByRbac\"}}}",
                ServiceErrorOrigin.Synchronous);
            Assert.Equal("Forbidden", error.Code);
            Assert.Equal("ForbiddenByRbac", Assert.Single(error.Details!).Code);
        }

        [Fact]
        public void Reads_an_OData_error_with_a_localised_message()
        {
            var error = ServiceError.Parse(409,
                "{\"odata.error\":{\"code\":\"AccountBusy\",\"message\":{\"lang\":\"en-US\",\"value\":\"The account is busy.\"}}}", ServiceErrorOrigin.Synchronous);
            Assert.Equal("AccountBusy", error.Code);
            Assert.Equal("The account is busy.", error.Message);
        }

        [Theory]
        [InlineData("Failed", "OperationFailed")]
        [InlineData("Canceled", "OperationCanceled")]
        [InlineData("Cancelled", "OperationCanceled")]
        public void An_operation_status_without_an_error_object_reports_its_status(string status, string code)
        {
            var error = ServiceError.Parse(200, $"{{\"id\":\"op\",\"status\":\"{status}\",\"percentComplete\":100}}", ServiceErrorOrigin.LongRunningOperation);
            Assert.Equal(code, error.Code);
            Assert.Contains(status, error.Message);
            Assert.Equal(code, CmkErrors.FromServiceError(error, null).ErrorId);
        }

        [Fact]
        public void A_body_that_is_not_JSON_is_kept_as_the_message()
        {
            var html = "<html><body>Bad gateway " + new string('x', 500) + "</body></html>";
            var error = ServiceError.Parse(502, html, ServiceErrorOrigin.Synchronous);
            Assert.Null(error.Code);
            Assert.Contains("HTTP 502", error.Message);
            Assert.Contains("<html><body>Bad gateway", error.Message);
            Assert.True(error.Message!.Length < 400);
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("   ")]
        [InlineData("[]")]
        [InlineData("{}")]
        [InlineData("{\"error\":{}}")]
        public void An_empty_or_uninformative_body_still_says_what_happened(string? body)
        {
            var error = ServiceError.Parse(503, body, ServiceErrorOrigin.Synchronous);
            Assert.Null(error.Code);
            Assert.Equal("The service answered HTTP 503 without an error message.", error.Message);
        }
    }
}
